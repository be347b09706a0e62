package io.zrouter.bridge;

import java.util.concurrent.CountDownLatch;
import sun.misc.Signal;

/**
 * Runs a {@link Bridge}:
 *
 * <pre>
 * java -jar bridge/target/zrouter-bridge.jar --connect tcp://127.0.0.1:5555 \
 *     --upstream http://127.0.0.1:3000
 * </pre>
 *
 * <p>Stops gracefully on SIGTERM / Ctrl-C: it closes the bridge, which refuses new requests and
 * lets those in flight finish, and exits 0.
 */
public final class BridgeMain {
  /**
   * Seconds an idle pooled upstream connection is kept: under the keep-alive timeout of common app
   * servers (Node.js 5 s), so a request never goes out on a connection the app is just closing.
   */
  private static final String KEEP_ALIVE_SECONDS = "2";

  private BridgeMain() {}

  public static void main(String[] args) throws InterruptedException {
    BridgeOptions options;
    try {
      options = BridgeOptions.parse(args);
    } catch (BridgeOptions.UsageException e) {
      System.err.println("zrouter-bridge: " + e.getMessage() + " (try --help)");
      System.exit(2);
      return;
    }
    if (options.help()) {
      System.out.print(BridgeOptions.USAGE);
      return;
    }
    configure();
    // A signal handler rather than only a shutdown hook, so a clean drain exits 0 and not 143 (as
    // RouterMain). In place before the bridge starts, so no signal finds it missing.
    CountDownLatch stop = new CountDownLatch(1);
    Signal.handle(new Signal("TERM"), signal -> stop.countDown());
    Signal.handle(new Signal("INT"), signal -> stop.countDown());
    Bridge bridge;
    try {
      bridge =
          Bridge.start(
              options,
              reason -> {
                // exiting runs the hook that closes the bridge: not from the worker's thread
                System.err.println("zrouter-bridge: the router refused this bridge: " + reason);
                new Thread(() -> System.exit(3), "bridge-refused").start();
              });
    } catch (IllegalArgumentException e) {
      System.err.println("zrouter-bridge: " + e.getMessage());
      System.exit(2);
      return;
    }
    // any other exit (System.exit(3) when refused) still closes the bridge
    Runtime.getRuntime().addShutdownHook(new Thread(bridge::close, "bridge-shutdown"));
    stop.await();
    bridge.close(); // drains: in-flight requests finish, new ones are refused
    System.exit(0);
  }

  /** Timestamps in the log and the upstream keep-alive, unless the user set them otherwise. */
  private static void configure() {
    if (System.getProperty("org.slf4j.simpleLogger.showDateTime") == null) {
      System.setProperty("org.slf4j.simpleLogger.showDateTime", "true");
      System.setProperty("org.slf4j.simpleLogger.dateTimeFormat", "yyyy-MM-dd'T'HH:mm:ss.SSSZ");
    }
    if (System.getProperty("jdk.httpclient.keepalive.timeout") == null) {
      System.setProperty("jdk.httpclient.keepalive.timeout", KEEP_ALIVE_SECONDS);
    }
  }
}
