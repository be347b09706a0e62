package io.zrouter.worker.internal;

import io.zrouter.proto.Frame;
import io.zrouter.proto.FrameCodec;
import io.zrouter.proto.RouteSpec;
import io.zrouter.proto.WorkerHello;
import io.zrouter.shaded.org.zeromq.ZContext;
import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The worker's addressed connections, at most one per router endpoint, kept in line with the {@code
 * addressed_port} the router names in each request.
 *
 * <p>A router is known by its routing id on the ROUTER socket, which is the endpoint the worker was
 * given ({@code ZMQ_CONNECT_ROUTING_ID}); its addressed socket is at the same host, on the port the
 * request names. Only {@code tcp://} endpoints get a link. IO thread only, except {@link
 * #endpoints()}.
 */
final class AddressedLinks {
  private static final Logger log = LoggerFactory.getLogger(AddressedLinks.class);

  private static final String TCP = "tcp://";

  /** A ZeroMQ identity is at most 255 bytes; the link's is the worker id, '/', 8 hex digits. */
  private static final int MAX_IDENTITY_BYTES = 255;

  private final ZContext context;
  private final String workerId;
  private final byte[] hello;
  private final Map<PeerId, AddressedLink> links = new LinkedHashMap<>();
  private final Set<PeerId> warned = new HashSet<>();
  private volatile Map<String, String> endpoints = Map.of();
  private boolean changed;

  /** {@code routes}: what the worker serves, said in every hello; empty for the default service. */
  AddressedLinks(ZContext context, String workerId, int concurrency, List<RouteSpec> routes) {
    this.context = context;
    this.workerId = workerId;
    WorkerHello.Builder hello =
        WorkerHello.newBuilder()
            .setProtocolVersion(FrameCodec.PROTOCOL_VERSION)
            .setWorkerId(workerId)
            .setConcurrency(concurrency);
    routes.forEach(route -> hello.addRoutes(route.toProto()));
    this.hello = FrameCodec.encode(Frame.newBuilder().setStreamId(0).setWorkerHello(hello).build());
  }

  /**
   * Brings the router's link in line with the addressed port its latest request names, and returns
   * it: the link (opened now when there was none, or one to another port), or null when the router
   * has no addressed socket (port 0), its endpoint is not {@code tcp://}, or the port is invalid. A
   * link that no longer matches is closed and handed to {@code onClosed} before anything else.
   */
  AddressedLink update(PeerId router, int port, Consumer<AddressedLink> onClosed) {
    AddressedLink link = links.get(router);
    if (link != null && link.port() == port) {
      return link;
    }
    if (link != null) {
      log.info(
          "addressed port of router changed, closing its link router = {} old_port = {} port = {}",
          router,
          link.port(),
          port);
      close(link);
      onClosed.accept(link);
    }
    if (port == 0) {
      return null;
    }
    String endpoint = addressedEndpoint(router, port);
    if (endpoint == null) {
      return null;
    }
    try {
      link = AddressedLink.open(context, router, port, endpoint, newIdentity(), hello);
    } catch (RuntimeException e) {
      if (warned.add(router)) {
        log.warn(
            "cannot connect to the router's addressed socket router = {} endpoint = {} cause = {}",
            router,
            endpoint,
            e.toString());
      }
      return null;
    }
    links.put(router, link);
    changed = true;
    publish();
    log.info("addressed link opened router = {} endpoint = {} link = {}", router, endpoint, link);
    return link;
  }

  /** Where a link for {@code router} connects, or null (logged once) when it gets none. */
  private String addressedEndpoint(PeerId router, int port) {
    String routerEndpoint = new String(router.bytes(), StandardCharsets.US_ASCII);
    String endpoint = addressedEndpoint(routerEndpoint, port);
    if (endpoint == null && warned.add(router)) {
      if (!routerEndpoint.startsWith(TCP)) {
        log.debug("no addressed link over a non-tcp endpoint router = {}", router);
      } else {
        log.warn("router named an unusable addressed port router = {} port = {}", router, port);
      }
    }
    return endpoint;
  }

  /**
   * {@code tcp://HOST:PORT} for a router reached at {@code tcp://HOST:ROUTER_PORT} (a source
   * address before ';' is left out), or null when the endpoint is not tcp or the port invalid.
   */
  static String addressedEndpoint(String routerEndpoint, int port) {
    if (!routerEndpoint.startsWith(TCP) || port <= 0 || port > 65535) {
      return null;
    }
    String address = routerEndpoint.substring(TCP.length());
    address = address.substring(address.lastIndexOf(';') + 1);
    int colon = address.lastIndexOf(':');
    if (colon <= 0) {
      return null;
    }
    return TCP + address.substring(0, colon) + ":" + port;
  }

  /** The port of a {@code tcp://HOST:PORT} endpoint, or -1 when it has none. */
  static int portOf(String endpoint) {
    int colon = endpoint.lastIndexOf(':');
    if (!endpoint.startsWith(TCP) || colon < TCP.length()) {
      return -1;
    }
    try {
      return Integer.parseInt(endpoint.substring(colon + 1));
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  /** {@code <worker id>/<8 hex>}, the worker id shortened if the whole would exceed 255 bytes. */
  private byte[] newIdentity() {
    String suffix = "/" + UUID.randomUUID().toString().substring(0, 8);
    String id = workerId;
    while (id.getBytes(StandardCharsets.UTF_8).length + suffix.length() > MAX_IDENTITY_BYTES) {
      id = id.substring(0, id.offsetByCodePoints(id.length(), -1));
    }
    return (id + suffix).getBytes(StandardCharsets.UTF_8);
  }

  /**
   * Closes every link whose router has been silent for longer than {@code limitNanos} (routers send
   * a heartbeat every second), handing each to {@code onClosed}. The router's next request opens a
   * fresh link.
   */
  void closeSilent(long nowNanos, long limitNanos, Consumer<AddressedLink> onClosed) {
    for (AddressedLink link : all()) {
      if (link.silentNanos(nowNanos) > limitNanos) {
        log.warn(
            "router silent, closing its link router = {} link = {} silent_ms = {}",
            link.router(),
            link,
            java.util.concurrent.TimeUnit.NANOSECONDS.toMillis(link.silentNanos(nowNanos)));
        close(link);
        onClosed.accept(link);
      }
    }
  }

  private void close(AddressedLink link) {
    links.remove(link.router(), link);
    link.close();
    changed = true;
    publish();
  }

  /** The open links. */
  Collection<AddressedLink> all() {
    return List.copyOf(links.values());
  }

  /** Whether a link was opened or closed since the last call (the poller must be rebuilt). */
  boolean takeChanged() {
    boolean was = changed;
    changed = false;
    return was;
  }

  /** The worker is closing: frames already handed to ZeroMQ get a bounded time to go out. */
  void lingerOnClose(int lingerMs) {
    links.values().forEach(link -> link.lingerOnClose(lingerMs));
  }

  /** Any thread: router endpoint (its routing id) to the endpoint its link connects to. */
  Map<String, String> endpoints() {
    return endpoints;
  }

  private void publish() {
    Map<String, String> now = new LinkedHashMap<>();
    links.forEach(
        (router, link) ->
            now.put(new String(router.bytes(), StandardCharsets.US_ASCII), link.endpoint()));
    endpoints = Map.copyOf(now);
  }
}
