package io.zrouter.router;

import io.netty.handler.ssl.SslContext;
import io.zrouter.router.admin.AdminServer;
import io.zrouter.router.config.RouterConfig;
import io.zrouter.router.frontend.HttpFrontend;
import io.zrouter.router.frontend.ProxyContext;
import io.zrouter.router.frontend.ServerTls;
import io.zrouter.router.stream.StreamRegistry;
import io.zrouter.router.upstream.WorkerLink;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running router: the HTTP frontend, the worker link and the streams between them. {@link #start}
 * binds both sockets; {@link #close} drains and stops.
 */
public final class Router implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Router.class);

  private final RouterConfig config;
  private final StreamRegistry registry;
  private final WorkerLink link;
  private final ProxyContext proxy;
  private final HttpFrontend frontend;
  private final AdminServer admin;
  private boolean closed;

  private Router(
      RouterConfig config,
      StreamRegistry registry,
      WorkerLink link,
      ProxyContext proxy,
      HttpFrontend frontend,
      AdminServer admin) {
    this.config = config;
    this.registry = registry;
    this.link = link;
    this.proxy = proxy;
    this.frontend = frontend;
    this.admin = admin;
  }

  /** The admin address actually bound, or null when the admin listener is off. */
  public InetSocketAddress adminAddress() {
    return admin == null ? null : admin.address();
  }

  /**
   * Binds the worker endpoint and the HTTP listener, then returns the running router.
   *
   * @throws StartupException when either address cannot be bound
   */
  public static Router start(RouterConfig config) throws StartupException {
    SslContext tls = null;
    if (config.tls() != null) {
      try {
        tls = ServerTls.forServer(config.tls());
      } catch (SSLException e) {
        throw new StartupException("cannot load TLS certificate or key: " + describe(e), e);
      }
    }
    StreamRegistry registry = new StreamRegistry();
    WorkerLink link;
    try {
      link = WorkerLink.start(config, registry);
    } catch (RuntimeException e) {
      throw new StartupException(
          "cannot bind worker endpoint " + config.bind() + ": " + describe(e), e);
    }
    ProxyContext proxy = new ProxyContext(config, registry, link);
    HttpFrontend frontend;
    try {
      frontend = HttpFrontend.start(config.listen(), config.ioThreads(), tls, proxy);
    } catch (Exception e) {
      link.close();
      if (e instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      }
      InetSocketAddress l = config.listen();
      throw new StartupException(
          "cannot listen on " + l.getHostString() + ":" + l.getPort() + ": " + describe(e), e);
    }
    AdminServer admin = null;
    if (config.adminListen() != null) {
      try {
        admin = AdminServer.start(config.adminListen(), link, registry);
      } catch (Exception e) {
        frontend.close();
        link.close();
        if (e instanceof InterruptedException) {
          Thread.currentThread().interrupt();
        }
        InetSocketAddress a = config.adminListen();
        throw new StartupException(
            "cannot listen for admin on "
                + a.getHostString()
                + ":"
                + a.getPort()
                + ": "
                + describe(e),
            e);
      }
    }
    Router router = new Router(config, registry, link, proxy, frontend, admin);
    log.info(
        "zrouter ready: http = {}, workers = {}, transport = {}, tls = {}, admin = {}",
        router.httpAddress().getHostString() + ":" + router.httpAddress().getPort(),
        router.workerEndpoint(),
        frontend.transport(),
        tls == null ? "off" : ServerTls.providerName(),
        admin == null ? "off" : admin.address().getHostString() + ":" + admin.address().getPort());
    return router;
  }

  private static String describe(Exception e) {
    String message = e.getMessage();
    return message == null || message.isBlank() ? e.getClass().getSimpleName() : message;
  }

  /** The HTTP address actually bound. */
  public InetSocketAddress httpAddress() {
    return frontend.address();
  }

  /** The worker endpoint actually bound, e.g. {@code tcp://127.0.0.1:5555}. */
  public String workerEndpoint() {
    return link.boundEndpoint();
  }

  /** Streams waiting for or receiving a response right now. */
  public int activeStreams() {
    return registry.size();
  }

  /** Drains with the configured grace period, then stops. */
  @Override
  public void close() {
    close(config.shutdownGrace());
  }

  /**
   * Stops accepting connections, answers new requests on open connections with 503, lets in-flight
   * responses finish for at most {@code grace}, then closes everything.
   */
  public synchronized void close(Duration grace) {
    if (closed) {
      return;
    }
    closed = true;
    frontend.stopAccepting();
    proxy.startDraining();
    long deadline = System.nanoTime() + grace.toNanos();
    int inFlight = registry.size();
    if (inFlight > 0) {
      log.info("draining: in_flight = {}, grace = {}ms", inFlight, grace.toMillis());
    }
    while (registry.size() > 0 && System.nanoTime() < deadline) {
      try {
        TimeUnit.MILLISECONDS.sleep(
            20); // polling a count during shutdown, not synchronizing a test
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    int abandoned = registry.size();
    frontend.close();
    if (admin != null) {
      admin.close();
    }
    link.close();
    log.info("zrouter stopped: abandoned_streams = {}", abandoned);
  }
}
