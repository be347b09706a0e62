package io.zrouter.worker;

import io.zrouter.proto.RouteSpec;
import io.zrouter.transport.Wakeup;
import io.zrouter.worker.internal.HandlerTask;
import io.zrouter.worker.internal.HandlerThreads;
import io.zrouter.worker.internal.OutboundQueue;
import io.zrouter.worker.internal.RequestDispatcher;
import io.zrouter.worker.internal.WorkerIoThread;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A zrouter worker: connects to one or more routers and serves the requests they dispatch with a
 * {@link Handler}.
 *
 * <pre>{@code
 * try (Worker worker = Worker.builder()
 *     .connect("tcp://127.0.0.1:5555")
 *     .handler((request, response) -> response.send("hello\n"))
 *     .start()) {
 *   ...
 * }
 * }</pre>
 *
 * <p>The worker connects a ZeroMQ ROUTER socket to every endpoint; ZeroMQ connects in the
 * background and reconnects by itself, so routers may start before or after the worker. A router
 * that has an addressed socket names its port in each request; the worker then also connects a
 * DEALER to it (same host as the endpoint), through which the router can reach this worker alone,
 * e.g. to cancel a stream whose client went away ({@link Request#isCancelled()}). One IO thread
 * owns the sockets; handlers run on {@code concurrency} handler threads. The library registers no
 * shutdown hook: call {@link #close()} (for example from your own hook) to drain.
 */
public final class Worker implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Worker.class);

  /** How long {@link #close()} lets in-flight handlers finish before interrupting them. */
  private static final Duration DEFAULT_DRAIN_TIMEOUT = Duration.ofSeconds(30);

  /**
   * Handlers running at once by default: sized for handlers that wait on I/O (a database call), as
   * Jetty's and Tomcat's 200 threads are; a CPU-bound handler should ask for fewer.
   */
  static final int DEFAULT_CONCURRENCY = 200;

  /** How long interrupted handlers get to stop. */
  private static final Duration INTERRUPT_TIMEOUT = Duration.ofSeconds(1);

  /** How long the IO thread gets to send the last frames and close the socket. */
  private static final Duration IO_STOP_TIMEOUT = Duration.ofSeconds(5);

  /** Response bytes that may wait for the IO thread before handlers block. */
  private static final long OUTBOUND_BYTE_LIMIT = 8L << 20;

  private final String id;
  private final List<String> endpoints;
  private final Duration drainTimeout;
  private final ThreadPoolExecutor handlerPool;
  private final HandlerThreads handlerThreads;
  private final OutboundQueue outbound;
  private final WorkerIoThread io;
  private boolean closed;

  private Worker(
      String id,
      List<String> endpoints,
      Duration drainTimeout,
      ThreadPoolExecutor handlerPool,
      HandlerThreads handlerThreads,
      OutboundQueue outbound,
      WorkerIoThread io) {
    this.id = id;
    this.endpoints = endpoints;
    this.drainTimeout = drainTimeout;
    this.handlerPool = handlerPool;
    this.handlerThreads = handlerThreads;
    this.outbound = outbound;
    this.io = io;
  }

  /** Starts configuring a worker. */
  public static Builder builder() {
    return new Builder();
  }

  /** The worker's id: its ZeroMQ identity and the name it logs under. */
  public String id() {
    return id;
  }

  /**
   * Takes new requests ({@code true}, the default) or refuses them for now ({@code false}): while
   * unavailable, the worker stays connected and finishes what it holds, and refuses each new
   * request before it runs (a {@code reset} with reason {@code REFUSED}, so the router sends it to
   * another worker, or answers 503 after its worker wait when none takes it). The routers are told,
   * and show the worker as unhealthy. For a worker whose backend is down, say; call it again with
   * {@code true} when the backend is back. Safe from any thread.
   */
  public synchronized void setAvailable(boolean available) {
    if (available == io.isAvailable()) {
      return;
    }
    log.info(
        available
            ? "worker available again id = {}"
            : "worker unavailable, refusing new requests id = {}",
        id);
    io.setAvailable(available);
  }

  /** Whether the worker takes new requests: see {@link #setAvailable}. */
  public boolean isAvailable() {
    return io.isAvailable();
  }

  /**
   * Test seam, not API: the open addressed links, as router endpoint (the routing id the worker
   * knows that router by) to the endpoint the link's DEALER connects to.
   */
  Map<String, String> addressedEndpoints() {
    return io.addressedEndpoints();
  }

  /**
   * Stops the worker gracefully: new requests are refused (a {@code reset} with reason {@code
   * REFUSED}, so a router may send them elsewhere), in-flight handlers get up to the drain timeout
   * (30 s by default) to finish (then they are interrupted), their last frames are sent, and the
   * socket and every thread are closed. Idempotent; a second caller waits for the first to finish.
   * Called from a handler, it returns at once and the worker closes in the background.
   */
  @Override
  public void close() {
    if (isHandlerThread()) {
      // waiting here would wait for ourselves: close once this handler has returned
      Thread closer = new Thread(this::closeAndWait, "zrouter-close-" + id);
      closer.start();
      return;
    }
    closeAndWait();
  }

  private synchronized void closeAndWait() {
    if (closed) {
      return;
    }
    closed = true;
    log.info("worker stopping id = {} in_flight = {}", id, handlerPool.getActiveCount());
    io.startDraining();
    handlerPool.shutdown();
    boolean interrupted = false;
    try {
      if (!handlerPool.awaitTermination(drainTimeout.toMillis(), TimeUnit.MILLISECONDS)) {
        log.warn(
            "handlers still running after drain timeout, interrupting id = {} running = {}",
            id,
            handlerPool.getActiveCount());
        refuse(handlerPool.shutdownNow());
        handlerPool.awaitTermination(INTERRUPT_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
      }
      handlerThreads.join(INTERRUPT_TIMEOUT);
    } catch (InterruptedException e) {
      interrupted = true;
      refuse(handlerPool.shutdownNow());
    }
    try {
      if (!io.stop(IO_STOP_TIMEOUT)) {
        log.warn("IO thread did not stop in time id = {}", id);
      }
    } catch (InterruptedException e) {
      interrupted = true;
    }
    outbound.close();
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
    log.info("worker stopped id = {}", id);
  }

  /** Requests still queued when the handlers were stopped never started: refuse them. */
  private static void refuse(List<Runnable> neverStarted) {
    for (Runnable task : neverStarted) {
      if (task instanceof HandlerTask handlerTask) {
        handlerTask.refuse();
      }
    }
  }

  /** A handler closing its own worker must not wait for itself. */
  private boolean isHandlerThread() {
    return handlerThreads.made(Thread.currentThread());
  }

  @Override
  public String toString() {
    return "Worker[id=" + id + ", endpoints=" + endpoints + "]";
  }

  /** Configures and starts a {@link Worker}. */
  public static final class Builder {
    private final List<String> endpoints = new ArrayList<>();
    private String id;
    private int concurrency = DEFAULT_CONCURRENCY;
    private boolean virtualThreads = true;
    private Handler handler;
    private Duration drainTimeout = DEFAULT_DRAIN_TIMEOUT;
    private final Set<RouteSpec> routes = new LinkedHashSet<>();
    private Consumer<String> onRefused;

    private Builder() {}

    /**
     * Declares a route this worker serves: a host ({@code api.example.com}, or {@code
     * *.example.com}), a path prefix ({@code /billing}), or both ({@code api.example.com/v2}).
     * Repeatable. Workers that declare the same set of routes form one service and share its
     * traffic; a worker that declares none serves the default service, which gets what no route
     * matches. See docs/services.md.
     *
     * @throws IllegalArgumentException when the route is malformed; the message says why
     */
    public Builder route(String route) {
      routes.add(RouteSpec.parse(route));
      return this;
    }

    /**
     * What to do when a router refuses this worker's routes (they conflict with a running
     * service's, or the router has no port left for a new service): called once, on the worker's IO
     * thread, with the router's reason. Default: log it and close the worker. A process that runs
     * one worker should exit with a non-zero status.
     */
    public Builder onRefused(Consumer<String> listener) {
      this.onRefused = Objects.requireNonNull(listener, "listener");
      return this;
    }

    /**
     * Adds a router endpoint to connect to, e.g. {@code tcp://127.0.0.1:5555}. Repeatable (an
     * endpoint given twice is connected once); at least one is required. The worker knows the
     * router by this string: a {@code tcp://HOST:PORT} endpoint's host is where it connects the
     * router's addressed socket.
     */
    public Builder connect(String endpoint) {
      Objects.requireNonNull(endpoint, "endpoint");
      if (endpoint.isBlank()) {
        throw new IllegalArgumentException("endpoint is blank");
      }
      endpoints.add(endpoint.trim());
      return this;
    }

    /**
     * Sets the worker id (its ZeroMQ identity): 1 to 255 bytes of UTF-8. Default: {@code "worker-"}
     * plus a short random suffix.
     */
    public Builder id(String id) {
      Objects.requireNonNull(id, "id");
      int length = id.getBytes(StandardCharsets.UTF_8).length;
      if (id.isBlank() || length > 255) {
        throw new IllegalArgumentException("worker id must be 1 to 255 bytes and not blank");
      }
      this.id = id;
      return this;
    }

    /**
     * Sets how many handlers run at once (the number of handler threads); a worker running that
     * many refuses further requests, which go to other workers. Default: 200 (see {@link
     * #virtualThreads}).
     */
    public Builder concurrency(int n) {
      if (n < 1) {
        throw new IllegalArgumentException("concurrency must be at least 1: " + n);
      }
      this.concurrency = n;
      return this;
    }

    /**
     * Whether handlers run on virtual threads where the JDK has them (Java 21 and later; Java 17
     * always uses platform threads). Default true; false for handlers that pin their carrier thread
     * for long (holding a monitor across blocking I/O on Java before 24, or native calls).
     */
    public Builder virtualThreads(boolean enabled) {
      this.virtualThreads = enabled;
      return this;
    }

    /**
     * How long {@link Worker#close()} lets running handlers finish before interrupting them
     * (default 30 s). While draining, new requests are refused and go to other workers.
     */
    public Builder drainTimeout(Duration timeout) {
      this.drainTimeout = Objects.requireNonNull(timeout, "timeout");
      return this;
    }

    /** Sets the handler every request goes to. Required. */
    public Builder handler(Handler handler) {
      this.handler = Objects.requireNonNull(handler, "handler");
      return this;
    }

    /**
     * Creates the socket, connects it to every endpoint and starts the threads. Returns at once:
     * ZeroMQ connects in the background, and a router that is not up yet is retried.
     *
     * @throws IllegalStateException when no endpoint or no handler was set
     * @throws IllegalArgumentException when an endpoint is not valid
     */
    public Worker start() {
      if (endpoints.isEmpty()) {
        throw new IllegalStateException("at least one endpoint is required: call connect()");
      }
      if (handler == null) {
        throw new IllegalStateException("a handler is required: call handler()");
      }
      String workerId = id != null ? id : "worker-" + UUID.randomUUID().toString().substring(0, 8);
      // one connection per router: an endpoint given twice would reuse its routing id
      List<String> connectTo = List.copyOf(new LinkedHashSet<>(endpoints));

      Wakeup wakeup;
      try {
        wakeup = new Wakeup();
      } catch (IOException e) {
        throw new UncheckedIOException("cannot open the wake-up pipe", e);
      }
      OutboundQueue outbound = new OutboundQueue(wakeup, OUTBOUND_BYTE_LIMIT);
      HandlerThreads threads = new HandlerThreads(virtualThreads);
      ThreadPoolExecutor pool =
          new ThreadPoolExecutor(
              concurrency,
              concurrency,
              0L,
              TimeUnit.MILLISECONDS,
              new LinkedBlockingQueue<>(),
              threads);
      RequestDispatcher dispatcher =
          new RequestDispatcher(handler, pool, outbound, workerId, concurrency);
      if (!routes.isEmpty()) {
        for (String endpoint : connectTo) {
          if (!endpoint.startsWith("tcp://")) {
            throw new IllegalArgumentException(
                "a worker with routes connects over tcp:// only: " + endpoint);
          }
        }
      }
      Worker[] started = new Worker[1];
      Consumer<String> refused =
          onRefused != null
              ? onRefused
              : reason -> {
                log.error(
                    "router refused this worker's routes, closing id = {}: {}", workerId, reason);
                Thread closer = new Thread(() -> started[0].close(), "zrouter-refused-" + workerId);
                closer.start();
              };
      WorkerIoThread io;
      try {
        io =
            new WorkerIoThread(
                workerId,
                connectTo,
                concurrency,
                List.copyOf(routes),
                refused,
                wakeup,
                outbound,
                dispatcher);
      } catch (RuntimeException e) {
        pool.shutdownNow();
        wakeup.close();
        throw e;
      }
      started[0] = new Worker(workerId, connectTo, drainTimeout, pool, threads, outbound, io);
      io.start();
      log.info(
          "worker started id = {} endpoints = {} concurrency = {} virtual_threads = {} routes = {}",
          workerId,
          connectTo,
          concurrency,
          threads.virtual(),
          routes.isEmpty() ? "none (default service)" : routes);
      return started[0];
    }
  }
}
