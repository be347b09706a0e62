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
 * @param ioThreads Netty event loop threads; 0 means Netty's default (2 x cores)
 * @param maxHeaderSize largest HTTP/1.1 header block or HTTP/2 header list, in bytes; larger gets
 *     431
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
    InetSocketAddress adminListen) {

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
        Duration.ofSeconds(3),
        Duration.ofSeconds(10),
        0,
        16 * 1024,
        null,
        new InetSocketAddress("127.0.0.1", 9090));
  }

  public RouterConfig withListen(InetSocketAddress value) {
    return new RouterConfig(
        value,
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
        adminListen);
  }

  public RouterConfig withBind(String value) {
    return new RouterConfig(
        listen,
        value,
        maxBody,
        workerWait,
        requestTimeout,
        acceptTimeout,
        workerLiveness,
        shutdownGrace,
        ioThreads,
        maxHeaderSize,
        tls,
        adminListen);
  }

  public RouterConfig withMaxBody(long value) {
    return new RouterConfig(
        listen,
        bind,
        value,
        workerWait,
        requestTimeout,
        acceptTimeout,
        workerLiveness,
        shutdownGrace,
        ioThreads,
        maxHeaderSize,
        tls,
        adminListen);
  }

  public RouterConfig withWorkerWait(Duration value) {
    return new RouterConfig(
        listen,
        bind,
        maxBody,
        value,
        requestTimeout,
        acceptTimeout,
        workerLiveness,
        shutdownGrace,
        ioThreads,
        maxHeaderSize,
        tls,
        adminListen);
  }

  public RouterConfig withRequestTimeout(Duration value) {
    return new RouterConfig(
        listen,
        bind,
        maxBody,
        workerWait,
        value,
        acceptTimeout,
        workerLiveness,
        shutdownGrace,
        ioThreads,
        maxHeaderSize,
        tls,
        adminListen);
  }

  public RouterConfig withAcceptTimeout(Duration value) {
    return new RouterConfig(
        listen,
        bind,
        maxBody,
        workerWait,
        requestTimeout,
        value,
        workerLiveness,
        shutdownGrace,
        ioThreads,
        maxHeaderSize,
        tls,
        adminListen);
  }

  public RouterConfig withWorkerLiveness(Duration value) {
    return new RouterConfig(
        listen,
        bind,
        maxBody,
        workerWait,
        requestTimeout,
        acceptTimeout,
        value,
        shutdownGrace,
        ioThreads,
        maxHeaderSize,
        tls,
        adminListen);
  }

  public RouterConfig withShutdownGrace(Duration value) {
    return new RouterConfig(
        listen,
        bind,
        maxBody,
        workerWait,
        requestTimeout,
        acceptTimeout,
        workerLiveness,
        value,
        ioThreads,
        maxHeaderSize,
        tls,
        adminListen);
  }

  public RouterConfig withIoThreads(int value) {
    return new RouterConfig(
        listen,
        bind,
        maxBody,
        workerWait,
        requestTimeout,
        acceptTimeout,
        workerLiveness,
        shutdownGrace,
        value,
        maxHeaderSize,
        tls,
        adminListen);
  }

  public RouterConfig withMaxHeaderSize(int value) {
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
        value,
        tls,
        adminListen);
  }

  public RouterConfig withTls(TlsFiles value) {
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
        value,
        adminListen);
  }

  public RouterConfig withAdminListen(InetSocketAddress value) {
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
        value);
  }
}
