package io.zrouter.sample;

import io.zrouter.worker.Worker;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;

/**
 * Runs a {@link SampleHandler} as a worker:
 *
 * <pre>
 * java -jar sample-worker/target/zrouter-sample-worker.jar --connect tcp://127.0.0.1:5555 --id w1
 * </pre>
 *
 * <p>Stops gracefully on SIGTERM / Ctrl-C: it closes the worker, which lets in-flight requests
 * finish, and exits 0.
 *
 * <p>Just before it connects it logs {@code connecting: worker = ID, main_unix_ms = T0,
 * connect_unix_ms = T1}: when main() was entered and when the SDK is started, in ms since the
 * epoch. {@code bench/suite.py --scenarios join} times a worker's join from these.
 */
public final class SampleWorker {
  private SampleWorker() {}

  public static void main(String[] args) throws InterruptedException {
    long mainMillis = System.currentTimeMillis();
    SampleWorkerOptions options;
    try {
      options = SampleWorkerOptions.parse(args);
    } catch (SampleWorkerOptions.UsageException e) {
      System.err.println("sample-worker: " + e.getMessage() + " (try --help)");
      System.exit(2);
      return;
    }
    if (options.help()) {
      System.out.print(SampleWorkerOptions.USAGE);
      return;
    }
    configureLogging();
    Logger log = LoggerFactory.getLogger(SampleWorker.class); // after the logging properties

    // A signal handler rather than only a shutdown hook, so a clean drain exits 0 and not 143 (as
    // RouterMain). In place before the worker starts, so no signal finds it missing.
    CountDownLatch stop = new CountDownLatch(1);
    Signal.handle(new Signal("TERM"), signal -> stop.countDown());
    Signal.handle(new Signal("INT"), signal -> stop.countDown());

    String id =
        options.id() != null
            ? options.id()
            : "sample-" + UUID.randomUUID().toString().substring(0, 8);
    Worker worker;
    try {
      Worker.Builder builder =
          Worker.builder()
              .id(id)
              .handler(
                  delayed(
                      new SampleHandler(id, options.routes(), options.executionLog()),
                      options.delayMs()))
              .drainTimeout(options.drainTimeout())
              .onRefused(SampleWorker::refused);
      options.endpoints().forEach(builder::connect);
      options.routes().forEach(builder::route);
      if (options.concurrency() != null) {
        builder.concurrency(options.concurrency());
      }
      log.info(
          "connecting: worker = {}, main_unix_ms = {}, connect_unix_ms = {}",
          id,
          mainMillis,
          System.currentTimeMillis());
      worker = builder.start();
    } catch (IllegalArgumentException e) {
      System.err.println("sample-worker: " + e.getMessage());
      System.exit(2);
      return;
    }
    // any other exit (System.exit(3) when refused) still closes the worker
    Runtime.getRuntime().addShutdownHook(new Thread(worker::close, "sample-worker-shutdown"));
    stop.await();
    worker.close(); // drains: in-flight requests finish, new ones are refused
    System.exit(0);
  }

  /**
   * The router refused this worker's routes (they conflict with a running service's): say why and
   * exit with status 3, from another thread, as exiting runs the hook that closes the worker.
   */
  private static void refused(String reason) {
    System.err.println("sample-worker: the router refused this worker: " + reason);
    new Thread(() -> System.exit(3), "sample-worker-refused").start();
  }

  /** The handler, made {@code delayMs} slower per request (a slow worker for benchmarks). */
  private static io.zrouter.worker.Handler delayed(io.zrouter.worker.Handler handler, int delayMs) {
    if (delayMs == 0) {
      return handler;
    }
    return (request, response) -> {
      Thread.sleep(delayMs);
      handler.handle(request, response);
    };
  }

  /** Timestamps in the log unless the user configured slf4j-simple otherwise. */
  private static void configureLogging() {
    if (System.getProperty("org.slf4j.simpleLogger.showDateTime") == null) {
      System.setProperty("org.slf4j.simpleLogger.showDateTime", "true");
      System.setProperty("org.slf4j.simpleLogger.dateTimeFormat", "yyyy-MM-dd'T'HH:mm:ss.SSSZ");
    }
  }
}
