package io.zrouter.conformance.fleet;

import io.zrouter.conformance.http.Downstream;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The processes of one case: a router, the instances of the implementation under test and maybe a
 * Java sample worker, all serving. Closing it stops every one of them (SIGCONT, SIGTERM, and
 * SIGKILL after 5 s).
 */
public final class Fleet implements AutoCloseable {
  private final RouterProcess router;
  private final List<WorkerInstance> instances;
  private final WorkerInstance javaWorker;
  private final Downstream http;
  private final AdminView admin;

  Fleet(RouterProcess router, List<WorkerInstance> instances, WorkerInstance javaWorker) {
    this.router = router;
    this.instances = List.copyOf(instances);
    this.javaWorker = javaWorker;
    this.http = new Downstream(router.httpPort());
    this.admin = new AdminView(router.adminPort());
  }

  public RouterProcess router() {
    return router;
  }

  /** The instances of the implementation under test, in start order. */
  public List<WorkerInstance> instances() {
    return instances;
  }

  public WorkerInstance instance(int i) {
    return instances.get(i);
  }

  /** The Java sample worker, if the case asked for one. */
  public Optional<WorkerInstance> javaWorker() {
    return Optional.ofNullable(javaWorker);
  }

  /** Every worker, the Java sample worker included. */
  public List<WorkerInstance> workers() {
    List<WorkerInstance> all = new ArrayList<>(instances);
    if (javaWorker != null) {
      all.add(javaWorker);
    }
    return all;
  }

  /** A client of the router's HTTP listener. */
  public Downstream http() {
    return http;
  }

  public AdminView admin() {
    return admin;
  }

  @Override
  public void close() throws InterruptedException {
    stopAll(processes());
  }

  private List<ChildProcess> processes() {
    List<ChildProcess> all = new ArrayList<>();
    workers().forEach(w -> all.add(w.process()));
    all.add(router.process());
    return all;
  }

  /** Signals all first, then waits for each, so that they stop in parallel. */
  static void stopAll(List<ChildProcess> processes) throws InterruptedException {
    for (ChildProcess p : processes) {
      try {
        p.beginStop();
      } catch (java.io.IOException e) {
        // it is killed below in any case; say why the polite way failed
        System.err.println("conformance: could not stop " + p + ": " + e.getMessage());
      }
    }
    for (ChildProcess p : processes) {
      p.awaitStopped();
    }
  }
}
