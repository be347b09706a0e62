package io.zrouter.bridge;

import io.zrouter.worker.Worker;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running bridge: a worker whose every request is relayed to one HTTP/1.1 upstream, the JDK
 * client that relays them, and the health check that makes the worker refuse requests while the
 * upstream is down.
 *
 * <p>The JDK's {@link HttpClient}, because it is in the JDK (nothing to ship or keep up), pools
 * keep-alive HTTP/1.1 connections, streams both bodies with back-pressure (a request body is read
 * only as fast as the upstream connection takes it, a response body only as fast as the relay
 * copies it), aborts a connection whose response body is closed early, and speaks WebSocket too.
 */
public final class Bridge implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Bridge.class);

  /** How often relays in flight are checked for a client that went away. */
  private static final Duration CANCEL_CHECK = Duration.ofMillis(50);

  private final Worker worker;
  private final HealthCheck health;
  private final CancelWatch cancelWatch;
  private final ExecutorService clientThreads;
  private boolean closed;

  private Bridge(
      Worker worker, HealthCheck health, CancelWatch cancelWatch, ExecutorService clientThreads) {
    this.worker = worker;
    this.health = health;
    this.cancelWatch = cancelWatch;
    this.clientThreads = clientThreads;
  }

  /**
   * Checks the upstream once, starts the worker (refusing requests if the upstream is down) and the
   * health check. Returns at once: the worker connects to the routers in the background.
   *
   * @throws IllegalArgumentException when an endpoint or the id is not usable
   */
  public static Bridge start(BridgeOptions options) {
    return start(options, null);
  }

  /**
   * As {@link #start(BridgeOptions)}; {@code onRefused} hears why a router refused the bridge's
   * routes (null: the SDK's default, which logs it and closes the worker).
   */
  public static Bridge start(BridgeOptions options, java.util.function.Consumer<String> onRefused) {
    ExecutorService clientThreads = Executors.newCachedThreadPool(daemonThreads("bridge-upstream"));
    HttpClient client =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(options.upstreamTimeout())
            .followRedirects(HttpClient.Redirect.NEVER) // the client's to follow, not ours
            .executor(clientThreads)
            .build();
    UpstreamTarget target = new UpstreamTarget(options.upstream(), options.stripPrefix());
    HealthCheck health =
        new HealthCheck(
            client,
            options.upstream(),
            options.healthPath(),
            options.healthInterval(),
            options.upstreamTimeout());
    CancelWatch cancelWatch = new CancelWatch(CANCEL_CHECK);
    HttpRelay http =
        new HttpRelay(client, target, options.upstreamTimeout(), cancelWatch, health::suspect);
    WebSocketRelay webSocket = new WebSocketRelay(client, target, options.upstreamTimeout());

    String id =
        options.id() != null
            ? options.id()
            : "bridge-" + UUID.randomUUID().toString().substring(0, 8);
    Worker.Builder builder =
        Worker.builder()
            .id(id)
            .handler(new BridgeHandler(http, webSocket))
            .drainTimeout(options.drainTimeout());
    options.endpoints().forEach(builder::connect);
    options.routes().forEach(builder::route);
    if (onRefused != null) {
      builder.onRefused(onRefused);
    }
    if (options.concurrency() != null) {
      builder.concurrency(options.concurrency());
    }
    boolean up = health.checkNow();
    Worker worker;
    try {
      worker = builder.start();
    } catch (RuntimeException e) {
      health.close();
      cancelWatch.close();
      clientThreads.shutdownNow();
      throw e;
    }
    worker.setAvailable(up);
    health.start(worker::setAvailable);
    log.info(
        "bridge started id = {} upstream = {} health = {} strip_prefix = {}",
        id,
        options.upstream(),
        options.healthPath() == null ? "tcp connect" : "GET " + options.healthPath(),
        options.stripPrefix());
    return new Bridge(worker, health, cancelWatch, clientThreads);
  }

  /** The worker's id. */
  public String id() {
    return worker.id();
  }

  /** Whether the worker takes requests: false while the upstream is down. */
  public boolean isAvailable() {
    return worker.isAvailable();
  }

  /**
   * Stops gracefully: new requests are refused, relays in flight get up to the drain timeout, then
   * every thread stops. Idempotent.
   */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    health.close();
    worker.close();
    cancelWatch.close();
    clientThreads.shutdownNow();
    log.info("bridge stopped id = {}", worker.id());
  }

  private static java.util.concurrent.ThreadFactory daemonThreads(String prefix) {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, prefix + "-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }
}
