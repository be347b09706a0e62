package io.zrouter.worker.internal;

import io.zrouter.proto.Frame;
import io.zrouter.proto.FrameCodec;
import io.zrouter.proto.Heartbeat;
import io.zrouter.proto.RouteSpec;
import io.zrouter.proto.RouterHello;
import io.zrouter.proto.WorkerState;
import io.zrouter.shaded.org.zeromq.SocketType;
import io.zrouter.shaded.org.zeromq.ZContext;
import io.zrouter.shaded.org.zeromq.ZMQ;
import io.zrouter.transport.SocketOptions;
import io.zrouter.transport.Wakeup;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one thread that owns the worker's ZeroMQ sockets: the ROUTER socket connected to every
 * router's bound DEALER, and one addressed DEALER per router that has an addressed socket.
 *
 * <p>Each cycle it blocks in a {@link ZMQ.Poller} on the sockets (requests and follow-up frames
 * from routers) and the {@link Wakeup} pipe (handler threads queued frames). It then reads what
 * arrived, hands it to the {@link RequestDispatcher}, drains the {@link OutboundQueue} and sends
 * the frames grouped by {@link ReplyPath}, up to {@value #MAX_PARTS_PER_MESSAGE} frames per
 * message. It never polls with a timeout to find work; a timeout is used only while a pipe is full.
 *
 * <p>Each router is known by its routing id, which is the endpoint the worker connected to ({@code
 * ZMQ_CONNECT_ROUTING_ID}). The ROUTER socket is ROUTER_MANDATORY so that a full pipe to a router
 * answers EAGAIN (the frames wait here and the handlers feel the back-pressure) instead of being
 * silently dropped, and a router that went away answers EHOSTUNREACH (its streams are cancelled). A
 * full addressed DEALER answers EAGAIN too.
 */
public final class WorkerIoThread {
  private static final Logger log = LoggerFactory.getLogger(WorkerIoThread.class);

  static final int MAX_PARTS_PER_MESSAGE = 64;

  /** Soft cap on a message's bytes: four full body frames and some small ones. */
  private static final int MAX_BYTES_PER_MESSAGE = 320 * 1024;

  private static final int MAX_MESSAGES_IN_PER_CYCLE = 256;
  private static final int MAX_FRAMES_OUT_PER_CYCLE = 4096;

  /** Retry interval while a pipe is full: ZeroMQ has no writable event for ROUTER. */
  private static final long FULL_PIPE_RETRY_MS = 10;

  /**
   * Every addressed link says it is alive this often, so the router can tell a silent worker
   * (forgotten after 3 s) from an idle one.
   */
  private static final long HEARTBEAT_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(1);

  /**
   * A router that says nothing on a link for this long (it heartbeats every second) is taken for
   * dead: the streams on the link are cancelled, and its next request opens a fresh link.
   */
  static final long ROUTER_SILENCE_NANOS = TimeUnit.SECONDS.toNanos(5);

  /** {@link #ROUTER_SILENCE_NANOS}, for tests. */
  public static long silenceLimit() {
    return ROUTER_SILENCE_NANOS;
  }

  private long nextHeartbeatNanos = System.nanoTime();

  private final String workerId;
  private final ZContext context;
  private final ZMQ.Socket socket;
  private final AddressedLinks links;
  private final Wakeup wakeup;
  private final OutboundQueue outbound;
  private final RequestDispatcher dispatcher;
  private final RequestDispatcher.ReplyPaths replyPaths =
      new RequestDispatcher.ReplyPaths() {
        @Override
        public ReplyPath forNewStream(PeerId router, int addressedPort) {
          return replyPathFor(router, addressedPort);
        }

        @Override
        public boolean acknowledgeNow(PeerId router, OutboundFrame accept) {
          return routerPath(router).send(List.of(accept)) == ReplyPath.SendResult.SENT;
        }
      };
  private final Thread thread;

  /** The ROUTER-socket path to each router, one per routing id (endpoint). IO thread only. */
  private final Map<PeerId, RouterReplyPath> routerPaths = new HashMap<>();

  /** Frames taken from the queue and not yet sent, per path, in order. IO thread only. */
  private final Map<ReplyPath, ArrayDeque<OutboundFrame>> unsent = new LinkedHashMap<>();

  private ZMQ.Poller poller;
  private int socketIndex;
  private int wakeupIndex;
  private volatile boolean drainRequested;

  /** IO thread: the drain has begun (the routers were told). */
  private boolean draining;

  private long drainStartedNanos;

  /** How long a drain waits for the starts of requests acknowledged before it began. */
  private static final long START_GRACE_NANOS = TimeUnit.MILLISECONDS.toNanos(500);

  /** How often a drain checks whether those starts came. */
  private static final long START_GRACE_POLL_MS = 5;

  /** Counted down once the IO thread has stopped taking requests (or stopped altogether). */
  private final java.util.concurrent.CountDownLatch drainAcknowledged =
      new java.util.concurrent.CountDownLatch(1);

  private volatile boolean stopRequested;

  /** Set by {@link #setAvailable}: the routers are to be told the worker's availability. */
  private volatile boolean availabilityChanged;

  /**
   * Whether this worker declared routes: it connects for requests only once a router says where.
   */
  private final boolean routed;

  private final Consumer<String> onRefused;
  private boolean refused;

  /** The service socket each router named in its last hello, connected to. IO thread only. */
  private final Map<PeerId, String> serviceEndpoints = new HashMap<>();

  /** How many times this worker connected to each router's service socket. IO thread only. */
  private final Map<PeerId, Integer> serviceGenerations = new HashMap<>();

  /**
   * The router each service connection's routing id belongs to (kept for old connections too: what
   * they still deliver is that router's). IO thread only.
   */
  private final Map<PeerId, PeerId> connectionRouters = new HashMap<>();

  /**
   * Creates the ROUTER socket and connects it to every endpoint (ZeroMQ connects in the background
   * and reconnects by itself), naming each router by its endpoint. The calling thread hands the
   * socket over in {@link #start()}.
   *
   * @param concurrency announced to routers in the {@code worker_hello} of each addressed link
   * @throws IllegalArgumentException when an endpoint is not valid
   */
  public WorkerIoThread(
      String workerId,
      List<String> endpoints,
      int concurrency,
      List<RouteSpec> routes,
      Consumer<String> onRefused,
      Wakeup wakeup,
      OutboundQueue outbound,
      RequestDispatcher dispatcher) {
    this.workerId = workerId;
    this.wakeup = wakeup;
    this.outbound = outbound;
    this.dispatcher = dispatcher;
    this.routed = !routes.isEmpty();
    this.onRefused = onRefused;
    this.context = new ZContext(1);
    try {
      this.socket = context.createSocket(SocketType.ROUTER);
      SocketOptions.applyToWorkerConnection(socket);
      socket.setIdentity(workerId.getBytes(StandardCharsets.UTF_8));
      socket.setRouterMandatory(true);
      this.links = new AddressedLinks(context, workerId, concurrency, routes);
      dispatcher.onRouterHello(this::onRouterHello);
      if (routed) {
        // Connections for requests are made on each router's hello, to the socket of this
        // worker's service: never by ZeroMQ on its own, to a port that may now be another's.
        socket.setReconnectIVL(-1);
        for (String endpoint : endpoints) {
          PeerId router = new PeerId(endpoint.getBytes(StandardCharsets.US_ASCII));
          int port = AddressedLinks.portOf(endpoint);
          if (port <= 0 || port >= 65535) {
            throw new IllegalArgumentException("not a tcp://HOST:PORT endpoint: " + endpoint);
          }
          links.update(router, port + 1, closed -> {});
        }
      } else {
        for (String endpoint : endpoints) {
          try {
            // messages from this router arrive with the endpoint as routing id: it names the host
            socket.setConnectRid(endpoint.getBytes(StandardCharsets.US_ASCII));
            socket.connect(endpoint);
          } catch (RuntimeException e) {
            throw new IllegalArgumentException(
                "cannot connect to " + endpoint + ": " + e.getMessage(), e);
          }
        }
      }
      rebuildPoller();
    } catch (RuntimeException e) {
      context.close();
      throw e;
    }
    this.thread = new Thread(this::run, "zrouter-io-" + workerId);
    outbound.ownedBy(thread);
  }

  /** Starts the thread; from now on only it touches the sockets. */
  public void start() {
    thread.start();
  }

  /**
   * Any thread: refuse new requests from now on (in-flight ones go on). Returns once the IO thread
   * no longer hands requests to the handler pool, so the pool may then be shut down without
   * rejecting a request that was already acknowledged.
   */
  public void startDraining() {
    drainRequested = true;
    wakeup.signal();
    try {
      if (!drainAcknowledged.await(2, TimeUnit.SECONDS)) {
        log.warn("IO thread did not acknowledge the drain in time id = {}", workerId);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * Any thread: take new requests (true) or refuse them (false) from now on, and tell every router
   * with an addressed link ({@code PHASE_SERVING} or {@code PHASE_UNAVAILABLE}).
   */
  public void setAvailable(boolean available) {
    dispatcher.setAvailable(available);
    availabilityChanged = true;
    wakeup.signal();
  }

  /** Any thread: whether new requests are taken (see {@link #setAvailable}). */
  public boolean isAvailable() {
    return dispatcher.isAvailable();
  }

  /**
   * Any thread: send what is queued, close the sockets and end the thread.
   *
   * @return whether the thread ended within {@code timeout}
   */
  public boolean stop(Duration timeout) throws InterruptedException {
    stopRequested = true;
    wakeup.signal();
    thread.join(timeout.toMillis());
    return !thread.isAlive();
  }

  /** Whether the thread is running. */
  public boolean isAlive() {
    return thread.isAlive();
  }

  /**
   * Any thread: the open addressed links, as router endpoint (the routing id the worker knows the
   * router by) to the endpoint its DEALER connects to.
   */
  public Map<String, String> addressedEndpoints() {
    return links.endpoints();
  }

  private void run() {
    try {
      while (!stopRequested) {
        poller.poll(pollTimeout());
        cycle();
      }
      flushBeforeClose();
    } catch (Throwable t) {
      log.error("worker IO thread failed id = {}", workerId, t);
    } finally {
      drainAcknowledged.countDown(); // nothing is dispatched any more either way
      closeEverything();
    }
  }

  private long pollTimeout() {
    if (!outbound.isEmpty()) {
      return 0; // a drain was capped; go on at once
    }
    long timeout = unsent.isEmpty() ? -1 : FULL_PIPE_RETRY_MS;
    if (draining && drainAcknowledged.getCount() > 0) {
      timeout = timeout < 0 ? START_GRACE_POLL_MS : Math.min(timeout, START_GRACE_POLL_MS);
    }
    if (!links.all().isEmpty()) {
      long untilHeartbeat =
          Math.max(0, TimeUnit.NANOSECONDS.toMillis(nextHeartbeatNanos - System.nanoTime()) + 1);
      timeout = timeout < 0 ? untilHeartbeat : Math.min(timeout, untilHeartbeat);
    }
    return timeout;
  }

  /** Tells every router with an addressed link that this worker drains, or leaves. */
  private void announce(WorkerState.Phase phase) {
    for (AddressedLink link : links.all()) {
      link.sendControl(
          FrameCodec.encode(
              Frame.newBuilder()
                  .setWorkerState(
                      WorkerState.newBuilder()
                          .setPhase(phase)
                          .setInFlight(dispatcher.openStreamsOn(link)))
                  .build()));
    }
  }

  private void heartbeatIfDue() {
    long now = System.nanoTime();
    if (now - nextHeartbeatNanos < 0) {
      return;
    }
    nextHeartbeatNanos = now + HEARTBEAT_INTERVAL_NANOS;
    if (links.all().isEmpty()) {
      return;
    }
    byte[] heartbeat =
        FrameCodec.encode(
            Frame.newBuilder()
                .setHeartbeat(Heartbeat.newBuilder().setSentUnixMs(System.currentTimeMillis()))
                .build());
    for (AddressedLink link : links.all()) {
      link.sendControl(heartbeat);
    }
    if (!dispatcher.isAvailable() && !draining) {
      // again each second: a router that joined, restarted or missed the change hears it too
      announce(WorkerState.Phase.PHASE_UNAVAILABLE);
    }
    links.closeSilent(now, ROUTER_SILENCE_NANOS, this::linkSilent);
  }

  private void cycle() throws IOException {
    if (drainRequested && !draining) {
      draining = true;
      drainStartedNanos = System.nanoTime();
      dispatcher.startDraining();
      announce(WorkerState.Phase.PHASE_DRAINING);
    }
    if (availabilityChanged && !draining) {
      availabilityChanged = false; // before the read: a change made meanwhile is told next cycle
      announce(
          dispatcher.isAvailable()
              ? WorkerState.Phase.PHASE_SERVING
              : WorkerState.Phase.PHASE_UNAVAILABLE);
    }
    if (draining && drainAcknowledged.getCount() > 0) {
      // The handler pool closes once this is acknowledged: first let the starts of what this
      // worker acknowledged come (a round trip), and give up only what still waits after that.
      if (!dispatcher.isAwaitingStart()
          || System.nanoTime() - drainStartedNanos > START_GRACE_NANOS) {
        dispatcher.giveUpAwaitingStart();
        drainAcknowledged.countDown();
      }
    }
    boolean rebuild = false;
    if (poller.pollin(wakeupIndex) && !wakeup.acknowledge()) {
      log.debug("wake-up pipe was closed by an interrupt, reopening id = {}", workerId);
      wakeup.reopen();
      rebuild = true;
    }
    if (poller.pollin(socketIndex)) {
      receive();
    }
    for (AddressedLink link : links.all()) {
      // a link opened in this cycle is not in the poller yet (index -1): next cycle
      if (link.pollIndex >= 0 && poller.pollin(link.pollIndex)) {
        receive(link);
      }
    }
    dispatcher.expireAwaitingStart(System.nanoTime());
    flushOutbound();
    heartbeatIfDue();
    if (links.takeChanged() || rebuild) {
      rebuildPoller();
    }
  }

  /**
   * A new poller over the ROUTER socket, the wake-up pipe and every open link. JeroMQ's poller
   * shifts indexes on unregister, so a change of the set is simplest done from scratch.
   */
  private void rebuildPoller() {
    ZMQ.Poller old = poller;
    Iterable<AddressedLink> open = links.all();
    poller = context.createPoller(4);
    socketIndex = poller.register(socket, ZMQ.Poller.POLLIN);
    wakeupIndex = poller.register(wakeup.channel(), ZMQ.Poller.POLLIN);
    for (AddressedLink link : open) {
      link.pollIndex = poller.register(link.socket(), ZMQ.Poller.POLLIN);
    }
    if (old != null) {
      old.close();
    }
  }

  /** Reads every message that is already on the ROUTER socket, up to a cap. */
  private void receive() {
    for (int i = 0; i < MAX_MESSAGES_IN_PER_CYCLE; i++) {
      byte[] routingId = socket.recv(ZMQ.DONTWAIT);
      if (routingId == null) {
        return;
      }
      List<byte[]> parts = new ArrayList<>(4);
      while (socket.hasReceiveMore()) {
        parts.add(socket.recv(0)); // the rest of a multipart message is already here
      }
      try {
        PeerId connection = new PeerId(routingId);
        dispatcher.onMessage(
            connectionRouters.getOrDefault(connection, connection), parts, replyPaths);
      } catch (RuntimeException e) {
        log.error("failed to handle a message from a router id = {}", workerId, e);
      }
    }
  }

  /** Reads every message that is already on an addressed link, up to a cap. */
  private void receive(AddressedLink link) {
    for (int i = 0; i < MAX_MESSAGES_IN_PER_CYCLE; i++) {
      List<byte[]> parts = link.receive();
      if (parts == null) {
        return;
      }
      try {
        dispatcher.onAddressedMessage(link, parts);
      } catch (RuntimeException e) {
        log.error("failed to handle a message on an addressed link id = {}", workerId, e);
      }
    }
  }

  /**
   * The dispatcher's choice of path for a new stream: the router's addressed link (opened or
   * replaced first when the request names a new port), else the ROUTER socket.
   */
  private ReplyPath replyPathFor(PeerId router, int addressedPort) {
    AddressedLink link =
        links.update(
            router,
            addressedPort,
            closed -> linkClosed(closed, "router's addressed link was replaced"));
    if (link != null) {
      return link;
    }
    return routerPath(router);
  }

  private ReplyPath routerPath(PeerId router) {
    return routerPaths.computeIfAbsent(router, r -> new RouterReplyPath(socket, r));
  }

  /** A closed link's router is gone: so are its streams and what they still had to send. */
  private void linkClosed(AddressedLink link, String reason) {
    dispatcher.cancelStreamsOn(link, reason);
    ArrayDeque<OutboundFrame> frames = unsent.remove(link);
    if (frames != null) {
      frames.forEach(f -> lose(f, reason));
    }
  }

  /** A router went silent on its link: for a worker with routes, redial it at once. */
  private void linkSilent(AddressedLink link) {
    linkClosed(link, "router silent on its addressed link");
    if (routed) {
      // No request will come to open a fresh link: open it now, and hear where to connect.
      disconnectService(link.router());
      links.update(link.router(), link.port(), closed -> {});
    }
  }

  /**
   * A router answered this worker's hello on an addressed link (each connection, so again after the
   * router restarts): a refusal, or where its service's socket is. The request connection is made
   * anew each time, since a restarted router may have given the port to another service.
   */
  private void onRouterHello(AddressedLink link, RouterHello hello) {
    if (!hello.getRefusal().isEmpty()) {
      log.error(
          "router refused this worker router = {} reason = {}", link.router(), hello.getRefusal());
      if (!refused) {
        refused = true;
        onRefused.accept(hello.getRefusal());
      }
      return;
    }
    if (!routed) {
      return;
    }
    String routerEndpoint = link.router().toString();
    String endpoint = AddressedLinks.addressedEndpoint(routerEndpoint, hello.getDispatchPort());
    if (endpoint == null) {
      log.warn(
          "router named no usable service port router = {} port = {}",
          link.router(),
          hello.getDispatchPort());
      return;
    }
    disconnectService(link.router());
    // Each connection gets a routing id of its own: ZeroMQ drops the old one in the background,
    // and a ROUTER socket must never have two connections of one routing id. Messages on either
    // still belong to this router.
    int generation = serviceGenerations.merge(link.router(), 1, Integer::sum);
    byte[] connection = (routerEndpoint + "#" + generation).getBytes(StandardCharsets.US_ASCII);
    connectionRouters.put(new PeerId(connection), link.router());
    socket.setConnectRid(connection);
    socket.connect(endpoint);
    routerPaths
        .computeIfAbsent(link.router(), r -> new RouterReplyPath(socket, r))
        .retarget(connection);
    serviceEndpoints.put(link.router(), endpoint);
    log.info("connected to its service router = {} endpoint = {}", link.router(), endpoint);
  }

  private void disconnectService(PeerId router) {
    String endpoint = serviceEndpoints.remove(router);
    if (endpoint != null) {
      socket.disconnect(endpoint); // false when ZeroMQ had dropped it already
    }
  }

  /** Drains the queue and sends everything it can, grouped by path. */
  private void flushOutbound() {
    for (int i = 0; i < MAX_FRAMES_OUT_PER_CYCLE; i++) {
      OutboundFrame frame = outbound.poll();
      if (frame == null) {
        break;
      }
      ReplyPath path =
          frame.viaRouterSocket()
              ? routerPath(frame.stream().key().peer())
              : frame.stream().replyPath();
      unsent.computeIfAbsent(path, k -> new ArrayDeque<>()).add(frame);
    }
    Iterator<Map.Entry<ReplyPath, ArrayDeque<OutboundFrame>>> it = unsent.entrySet().iterator();
    while (it.hasNext()) {
      Map.Entry<ReplyPath, ArrayDeque<OutboundFrame>> entry = it.next();
      sendOn(entry.getKey(), entry.getValue());
      if (entry.getValue().isEmpty()) {
        it.remove();
      }
    }
  }

  /** Sends the path's frames in messages of up to 64 parts; stops early when its pipe is full. */
  private void sendOn(ReplyPath path, ArrayDeque<OutboundFrame> frames) {
    List<OutboundFrame> message = new ArrayList<>(MAX_PARTS_PER_MESSAGE);
    while (!frames.isEmpty()) {
      message.clear();
      long bytes = 0;
      while (message.size() < MAX_PARTS_PER_MESSAGE && !frames.isEmpty()) {
        OutboundFrame next = frames.peek();
        if (!message.isEmpty() && bytes + next.bytes().length > MAX_BYTES_PER_MESSAGE) {
          break;
        }
        frames.poll();
        if (next.stream().isCancelled() && !next.evenIfCancelled()) {
          drop(next); // the router reset it, or it is unreachable: nothing more is sent on it
          continue;
        }
        message.add(next);
        bytes += next.bytes().length;
      }
      if (message.isEmpty()) {
        return;
      }
      switch (path.send(message)) {
        case FULL -> {
          for (int i = message.size() - 1; i >= 0; i--) {
            frames.addFirst(message.get(i));
          }
          log.debug("pipe full, holding frames path = {} frames = {}", path, frames.size());
          return;
        }
        case UNREACHABLE -> {
          log.warn(
              "router unreachable, dropping its frames path = {} frames = {} errno = {}",
              path,
              message.size() + frames.size(),
              path.errno());
          message.forEach(f -> lose(f, "router unreachable"));
          frames.forEach(f -> lose(f, "router unreachable"));
          frames.clear();
          return;
        }
        case SENT -> {
          for (OutboundFrame frame : message) {
            outbound.release(frame.bytes().length);
            if (frame.endsStream()) {
              dispatcher.streamEnded(frame.stream());
            }
          }
          log.debug("sent path = {} parts = {} bytes = {}", path, message.size(), bytes);
        }
      }
    }
  }

  private void drop(OutboundFrame frame) {
    outbound.release(frame.bytes().length);
    if (frame.endsStream()) {
      dispatcher.streamEnded(frame.stream());
    }
  }

  private void lose(OutboundFrame frame, String reason) {
    outbound.release(frame.bytes().length);
    dispatcher.streamLost(frame.stream(), reason);
  }

  /** Stopping: give frames still queued (the last handlers' ends) a bounded chance to go out. */
  private void flushBeforeClose() throws IOException {
    long deadline =
        System.nanoTime() + Duration.ofMillis(SocketOptions.WORKER_CLOSE_LINGER_MS).toNanos();
    cycle();
    while ((!unsent.isEmpty() || !outbound.isEmpty()) && System.nanoTime() < deadline) {
      poller.poll(FULL_PIPE_RETRY_MS);
      cycle();
    }
    if (!unsent.isEmpty()) {
      log.warn("closing with frames a router did not take id = {}", workerId);
    }
  }

  private void closeEverything() {
    // After every stream's last frame; what it still holds is abandoned with it.
    announce(WorkerState.Phase.PHASE_LEAVING);
    dispatcher.cancelAll("worker closed");
    unsent.values().forEach(q -> q.forEach(f -> outbound.release(f.bytes().length)));
    unsent.clear();
    for (OutboundFrame f; (f = outbound.poll()) != null; ) {
      outbound.release(f.bytes().length);
    }
    try {
      poller.close();
      // frames already handed to ZeroMQ get a bounded time to reach the routers
      socket.setLinger(SocketOptions.WORKER_CLOSE_LINGER_MS);
      links.lingerOnClose(SocketOptions.WORKER_CLOSE_LINGER_MS);
      context.close();
    } finally {
      wakeup.close();
    }
  }
}
