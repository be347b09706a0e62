package io.zrouter.bridge;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The app behind the bridge: the JDK's {@link HttpServer} on an ephemeral loopback port, with the
 * handlers a test gives it. It can be stopped and started again on the same port (an app that
 * restarts). Each request's head is recorded.
 */
final class TestUpstream implements AutoCloseable {
  /**
   * One request as the upstream saw it; {@code clientPort}: the port of the connection it came on.
   */
  record Seen(
      String method, String target, com.sun.net.httpserver.Headers headers, int clientPort) {}

  private final Map<String, HttpHandler> handlers = new ConcurrentHashMap<>();
  private final LinkedBlockingQueue<Seen> seen = new LinkedBlockingQueue<>();
  private final int port;
  private HttpServer server;
  private ExecutorService threads;

  private TestUpstream(int port) throws IOException {
    server = bind(port);
    this.port = server.getAddress().getPort();
  }

  static TestUpstream start() throws IOException {
    return new TestUpstream(0);
  }

  /** Serves {@code path} (and everything under it) with {@code handler}. */
  TestUpstream handle(String path, HttpHandler handler) {
    handlers.put(path, handler);
    server.createContext(path, recording(handler));
    return this;
  }

  URI uri() {
    return URI.create("http://127.0.0.1:" + port);
  }

  int port() {
    return port;
  }

  /** The next request the upstream received, waiting up to 5 s; null when none came. */
  Seen takeRequest() throws InterruptedException {
    return seen.poll(5, TimeUnit.SECONDS);
  }

  /** Whether no request is recorded and not yet taken. */
  boolean noRequestWaiting() {
    return seen.isEmpty();
  }

  /** Closes the listener and every connection: the app is down. */
  void stop() {
    server.stop(0);
    threads.shutdownNow();
  }

  /** Listens on the same port again, with the same handlers: the app is back. */
  void restart() throws IOException {
    server = bind(port);
    handlers.forEach((path, handler) -> server.createContext(path, recording(handler)));
  }

  private HttpServer bind(int onPort) throws IOException {
    HttpServer s = HttpServer.create(new InetSocketAddress("127.0.0.1", onPort), 0);
    threads = Executors.newCachedThreadPool();
    s.setExecutor(threads);
    s.start();
    return s;
  }

  private HttpHandler recording(HttpHandler handler) {
    return exchange -> {
      seen.add(
          new Seen(
              exchange.getRequestMethod(),
              exchange.getRequestURI().toString(),
              exchange.getRequestHeaders(),
              exchange.getRemoteAddress().getPort()));
      try (HttpExchange e = exchange) {
        handler.handle(e);
      }
    };
  }

  @Override
  public void close() {
    stop();
  }
}
