package io.zrouter.conformance.fleet;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A router in its own JVM, started from the router's jar on loopback ports the OS picks ({@code
 * --listen 127.0.0.1:0}, {@code --bind tcp://127.0.0.1:*}: two free consecutive ports, the
 * addressed socket at the dispatch port + 1, {@code --admin-listen 127.0.0.1:0}); the ports are
 * read back from its ready line.
 */
public final class RouterProcess {
  private static final Pattern READY =
      Pattern.compile(
          "zrouter ready: http = 127\\.0\\.0\\.1:(\\d+), workers = (tcp://127\\.0\\.0\\.1:\\d+),"
              + ".* admin = 127\\.0\\.0\\.1:(\\d+)");
  private static final Duration READY_TIMEOUT = Duration.ofSeconds(30);

  private final ChildProcess process;
  private final int httpPort;
  private final String workerEndpoint;
  private final int adminPort;

  private RouterProcess(ChildProcess process, Matcher ready) {
    this.process = process;
    this.httpPort = Integer.parseInt(ready.group(1));
    this.workerEndpoint = ready.group(2);
    this.adminPort = Integer.parseInt(ready.group(3));
  }

  /**
   * Starts {@code java [jvmArgs] -jar routerJar} with the loopback flags above and {@code flags},
   * and waits for its ready line.
   */
  static RouterProcess start(Path routerJar, List<String> jvmArgs, List<String> flags, Path log)
      throws IOException, FleetException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(jvmArgs);
    command.addAll(List.of("-jar", routerJar.toString()));
    command.addAll(
        List.of(
            "--listen",
            "127.0.0.1:0",
            "--bind",
            "tcp://127.0.0.1:*",
            "--admin-listen",
            "127.0.0.1:0",
            "--io-threads",
            "2"));
    command.addAll(flags);
    ChildProcess process = ChildProcess.start("router", command, log.getParent(), log);
    try {
      return awaitReady(process, log);
    } catch (IOException | FleetException | RuntimeException e) {
      try {
        Fleet.stopAll(List.of(process));
      } catch (InterruptedException interrupted) {
        Thread.currentThread().interrupt();
      }
      throw e;
    }
  }

  private static RouterProcess awaitReady(ChildProcess process, Path log)
      throws IOException, FleetException {
    long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
    while (System.nanoTime() < deadline) {
      Matcher m = READY.matcher(Files.exists(log) ? Files.readString(log) : "");
      if (m.find()) {
        return new RouterProcess(process, m);
      }
      if (!process.isAlive()) {
        throw new FleetException(
            "router exited with " + process.exitValue() + " before it was ready", process);
      }
      LockSupport.parkNanos(Duration.ofMillis(20).toNanos()); // polling the log for the ready line
    }
    throw new FleetException("router not ready after " + READY_TIMEOUT.toSeconds() + " s", process);
  }

  public ChildProcess process() {
    return process;
  }

  public int httpPort() {
    return httpPort;
  }

  /** Where workers connect, e.g. {@code tcp://127.0.0.1:40123}. */
  public String workerEndpoint() {
    return workerEndpoint;
  }

  public int adminPort() {
    return adminPort;
  }
}
