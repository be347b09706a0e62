package io.zrouter.router;

import io.zrouter.router.config.RouterCommandLine;
import io.zrouter.router.config.RouterConfig;
import io.zrouter.router.config.UsageException;
import java.util.Arrays;
import java.util.concurrent.CountDownLatch;
import sun.misc.Signal;

/**
 * {@code java -jar zrouter-router.jar [flags]}: parses flags, starts the router, and on SIGTERM or
 * SIGINT drains it and exits 0.
 */
public final class RouterMain {
  private RouterMain() {}

  public static void main(String[] args) throws InterruptedException {
    if (Arrays.asList(args).contains("--help") || Arrays.asList(args).contains("-h")) {
      System.out.print(RouterCommandLine.help());
      return;
    }
    RouterConfig config;
    try {
      config = RouterCommandLine.parse(args);
    } catch (UsageException e) {
      System.err.println("zrouter: " + e.getMessage());
      System.exit(2);
      return;
    }
    CountDownLatch stop = new CountDownLatch(1);
    // A signal handler rather than a shutdown hook, so a clean drain exits 0 and not 143. It is
    // in place before the router starts: the ready line is logged inside start(), and a
    // supervisor may signal as soon as it sees it.
    Signal.handle(new Signal("TERM"), signal -> stop.countDown());
    Signal.handle(new Signal("INT"), signal -> stop.countDown());
    Router router;
    try {
      router = Router.start(config);
    } catch (StartupException e) {
      System.err.println("zrouter: " + e.getMessage());
      System.exit(1);
      return;
    }
    stop.await();
    router.close();
    System.exit(0);
  }
}
