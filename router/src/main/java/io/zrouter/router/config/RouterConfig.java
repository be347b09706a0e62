package io.zrouter.router.config;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * Everything a router needs to start. Immutable; build one with {@link #defaults()} and the {@code
 * with*} methods, or from the command line with {@link RouterCommandLine}.
 *
 * @param listen HTTP listen address (port 0: let the OS pick; read it back from the router)
 * @param bind ZeroMQ endpoint the dispatch socket binds, e.g. {@code tcp://127.0.0.1:5555}
 * @param maxBody largest request body carried to a worker, in bytes; larger gets 413. 0: no limit
 *     (bodies stream, so none is needed)
 * @param workerWait how long a request waits for a worker before 503
 * @param requestTimeout how long a request waits for response headers before 504
 * @param acceptTimeout how long a sent request may go unacknowledged before it is sent again
 * @param workerLiveness how long a worker on the addressed path may stay silent before it is taken
 *     for dead (its idempotent unanswered requests go elsewhere, the rest get 502/reset)
 * @param shutdownGrace how long in-flight responses may take to finish on shutdown
 * @param ioThreads Netty event loop threads; 0 means one per core
 * @param maxHeaderSize largest HTTP/1.1 header block or HTTP/2 header list, in bytes; larger gets
 *     431
 * @param tls the certificate and key to serve HTTPS with; null for plain HTTP
 * @param adminListen the admin HTTP address; null for none
 * @param limitSlowWorkers whether a worker far slower than the others is limited to fewer streams
 *     (docs/protocol.md, "Load sharing"); off gives plain round-robin among the workers that are
 *     not at capacity
 * @param servicePorts where services' dispatch sockets bind (docs/services.md); null: ports the OS
 *     picks
 */
public record RouterConfig(
    InetSocketAddress listen,
    String bind,
    long maxBody,
    Duration workerWait,
    Duration requestTimeout,
    Duration acceptTimeout,
    Duration workerLiveness,
    Duration shutdownGrace,
    int ioThreads,
    int maxHeaderSize,
    TlsFiles tls,
    InetSocketAddress adminListen,
    boolean limitSlowWorkers,
    PortRange servicePorts) {

  /** PEM files: the certificate chain and its PKCS#8 private key. */
  public record TlsFiles(Path certChain, Path privateKey) {
    public TlsFiles {
      Objects.requireNonNull(certChain, "certChain");
      Objects.requireNonNull(privateKey, "privateKey");
    }
  }

  public static final String DEFAULT_BIND = "tcp://127.0.0.1:5555";

  public RouterConfig {
    Objects.requireNonNull(listen, "listen");
    Objects.requireNonNull(bind, "bind");
    Objects.requireNonNull(workerWait, "workerWait");
    Objects.requireNonNull(requestTimeout, "requestTimeout");
    Objects.requireNonNull(acceptTimeout, "acceptTimeout");
    Objects.requireNonNull(workerLiveness, "workerLiveness");
    Objects.requireNonNull(shutdownGrace, "shutdownGrace");
    if (maxBody < 0) {
      throw new IllegalArgumentException("maxBody must be >= 0 (0: no limit)");
    }
    if (ioThreads < 0) {
      throw new IllegalArgumentException("ioThreads must be >= 0");
    }
    if (maxHeaderSize < 1024) {
      throw new IllegalArgumentException("maxHeaderSize must be >= 1024");
    }
  }

  /** The documented defaults: {@code --listen 0.0.0.0:8080 --bind tcp://127.0.0.1:5555}. */
  public static RouterConfig defaults() {
    return new RouterConfig(
        new InetSocketAddress("0.0.0.0", 8080),
        DEFAULT_BIND,
        0,
        Duration.ofSeconds(5),
        Duration.ofSeconds(30),
        Duration.ofSeconds(1),
        Duration.ofMillis(2500),
        Duration.ofSeconds(10),
        0,
        16 * 1024,
        null,
        new InetSocketAddress("127.0.0.1", 9090),
        true,
        null);
  }

  public RouterConfig withListen(InetSocketAddress value) {
    Copy c = new Copy(this);
    c.listen = value;
    return c.build();
  }

  public RouterConfig withBind(String value) {
    Copy c = new Copy(this);
    c.bind = value;
    return c.build();
  }

  public RouterConfig withMaxBody(long value) {
    Copy c = new Copy(this);
    c.maxBody = value;
    return c.build();
  }

  public RouterConfig withWorkerWait(Duration value) {
    Copy c = new Copy(this);
    c.workerWait = value;
    return c.build();
  }

  public RouterConfig withRequestTimeout(Duration value) {
    Copy c = new Copy(this);
    c.requestTimeout = value;
    return c.build();
  }

  public RouterConfig withAcceptTimeout(Duration value) {
    Copy c = new Copy(this);
    c.acceptTimeout = value;
    return c.build();
  }

  public RouterConfig withWorkerLiveness(Duration value) {
    Copy c = new Copy(this);
    c.workerLiveness = value;
    return c.build();
  }

  public RouterConfig withShutdownGrace(Duration value) {
    Copy c = new Copy(this);
    c.shutdownGrace = value;
    return c.build();
  }

  public RouterConfig withIoThreads(int value) {
    Copy c = new Copy(this);
    c.ioThreads = value;
    return c.build();
  }

  public RouterConfig withMaxHeaderSize(int value) {
    Copy c = new Copy(this);
    c.maxHeaderSize = value;
    return c.build();
  }

  public RouterConfig withTls(TlsFiles value) {
    Copy c = new Copy(this);
    c.tls = value;
    return c.build();
  }

  public RouterConfig withAdminListen(InetSocketAddress value) {
    Copy c = new Copy(this);
    c.adminListen = value;
    return c.build();
  }

  public RouterConfig withLimitSlowWorkers(boolean value) {
    Copy c = new Copy(this);
    c.limitSlowWorkers = value;
    return c.build();
  }

  public RouterConfig withServicePorts(PortRange value) {
    Copy c = new Copy(this);
    c.servicePorts = value;
    return c.build();
  }

  /** A mutable copy, so that each {@code with*} method names only the field it changes. */
  private static final class Copy {
    InetSocketAddress listen;
    String bind;
    long maxBody;
    Duration workerWait;
    Duration requestTimeout;
    Duration acceptTimeout;
    Duration workerLiveness;
    Duration shutdownGrace;
    int ioThreads;
    int maxHeaderSize;
    TlsFiles tls;
    InetSocketAddress adminListen;
    boolean limitSlowWorkers;
    PortRange servicePorts;

    Copy(RouterConfig from) {
      listen = from.listen;
      bind = from.bind;
      maxBody = from.maxBody;
      workerWait = from.workerWait;
      requestTimeout = from.requestTimeout;
      acceptTimeout = from.acceptTimeout;
      workerLiveness = from.workerLiveness;
      shutdownGrace = from.shutdownGrace;
      ioThreads = from.ioThreads;
      maxHeaderSize = from.maxHeaderSize;
      tls = from.tls;
      adminListen = from.adminListen;
      limitSlowWorkers = from.limitSlowWorkers;
      servicePorts = from.servicePorts;
    }

    RouterConfig build() {
      return new RouterConfig(
          listen,
          bind,
          maxBody,
          workerWait,
          requestTimeout,
          acceptTimeout,
          workerLiveness,
          shutdownGrace,
          ioThreads,
          maxHeaderSize,
          tls,
          adminListen,
          limitSlowWorkers,
          servicePorts);
    }
  }
}
