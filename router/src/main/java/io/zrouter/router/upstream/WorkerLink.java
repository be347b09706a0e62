package io.zrouter.router.upstream;

import io.zrouter.proto.Frame;
import io.zrouter.proto.FrameCodec;
import io.zrouter.proto.Heartbeat;
import io.zrouter.proto.MalformedFrameException;
import io.zrouter.proto.Reset;
import io.zrouter.proto.ResetReason;
import io.zrouter.proto.RouterHello;
import io.zrouter.proto.WorkerHello;
import io.zrouter.proto.WorkerState;
import io.zrouter.router.config.RouterConfig;
import io.zrouter.router.stream.ProxyStream;
import io.zrouter.router.stream.StreamRegistry;
import io.zrouter.router.stream.UpstreamControl;
import io.zrouter.shaded.org.zeromq.SocketType;
import io.zrouter.shaded.org.zeromq.ZContext;
import io.zrouter.shaded.org.zeromq.ZMQ;
import io.zrouter.shaded.org.zeromq.ZMQException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one thread that owns the router's ZeroMQ sockets.
 *
 * <p>Event loops hand it {@link Dispatch}es through a queue plus a {@link Wakeup}; it sends each as
 * one multipart message on the bound DEALER, whose round-robin picks the worker. While no worker
 * can take a message (none connected, or all at their high-water mark) requests are held, then
 * answered 503 once the worker wait is over. A request no worker acknowledges within the accept
 * timeout is sent again (see {@link UnacceptedRequests}). Response frames are decoded here and
 * handed to each stream's event loop in batches.
 */
public final class WorkerLink implements UpstreamControl, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(WorkerLink.class);

  /** Upper bound on messages received per pass, so sending is never starved. */
  private static final int MAX_RECEIVES_PER_PASS = 4096;

  /** Retry interval for held requests, in case a POLLOUT edge is missed. */
  private static final long HELD_RETRY_NANOS = TimeUnit.MILLISECONDS.toNanos(50);

  /** How often each worker hears from the router, so it can tell a dead router from an idle one. */
  private final boolean limitSlowWorkers;

  private static final long HEARTBEAT_NANOS = TimeUnit.SECONDS.toNanos(1);

  private long nextHeartbeatNanos = System.nanoTime();

  /** Retry interval while a worker's addressed pipe is full. */
  private static final long FULL_PIPE_RETRY_NANOS = TimeUnit.MILLISECONDS.toNanos(1);

  private final StreamRegistry registry;
  private final ZContext context;
  private final ZMQ.Socket dealer;
  private final String boundEndpoint;
  private final String routerId;
  private final ZMQ.Socket addressed;
  private final int addressedPort;

  private final long livenessNanos;
  private final AddressedWorkers workers;
  private final Wakeup wakeup = new Wakeup();

  /** Commands from the event loops and the admin server, in order. */
  private final Queue<LinkCommand> incoming = new ConcurrentLinkedQueue<>();

  private final HeldRequests held;
  private final UnacceptedRequests unaccepted;
  private final ResponseBatch batch = new ResponseBatch();
  private final RefusedRequests refused = new RefusedRequests();
  private final AddressedOutbox outbox;

  /**
   * Requests sent (or queued to be sent again) and not yet answered with a response head, as last
   * sent. A request sent whole (its body does not stream) can go to another worker when its worker
   * refuses it, even after acknowledging it (REFUSED means it never ran: a draining worker that
   * never got to start it), and an idempotent one when its worker dies. Swept of ended streams
   * every second.
   */
  private final java.util.Map<Long, Dispatch> dispatches = new java.util.HashMap<>();

  private final Thread thread;
  private volatile boolean running = true;

  private WorkerLink(
      RouterConfig config,
      StreamRegistry registry,
      ZContext context,
      ZMQ.Socket dealer,
      ZMQ.Socket addressed) {
    this.registry = registry;
    this.held = new HeldRequests(config.workerWait().toNanos());
    this.unaccepted = new UnacceptedRequests(config.acceptTimeout().toNanos());
    this.livenessNanos = config.workerLiveness().toNanos();
    this.limitSlowWorkers = config.limitSlowWorkers();
    this.workers = new AddressedWorkers(livenessNanos);
    this.context = context;
    this.dealer = dealer;
    this.boundEndpoint = dealer.getLastEndpoint();
    this.routerId = new String(dealer.getIdentity(), StandardCharsets.US_ASCII);
    this.addressed = addressed;
    this.addressedPort = addressed == null ? 0 : Endpoints.port(addressed.getLastEndpoint());
    this.outbox = addressed == null ? null : new AddressedOutbox(addressed, workers::greeted);
    this.thread = new Thread(this::run, "zrouter-link");
  }

  /**
   * Binds the dispatch socket and starts the link thread.
   *
   * @throws ZMQException when the endpoint cannot be bound (in use, bad address)
   */
  public static WorkerLink start(RouterConfig config, StreamRegistry registry) {
    String bindEndpoint = config.bind();
    ZContext context = new ZContext(1);
    try {
      ZMQ.Socket dealer = context.createSocket(SocketType.DEALER);
      dealer.setIdentity(routerIdentity());
      dealer.setLinger(0);
      // ZMTP heartbeats: a worker whose host vanished is dropped from the round-robin.
      dealer.setHeartbeatIvl(1000);
      dealer.setHeartbeatTimeout(3000);
      dealer.setHeartbeatTtl(6000);
      // The DEALER queues to a connection from accept on; one whose handshake stalls
      // (zeromq/jeromq#1022) swallows requests until this timer drops it (default 30 s).
      dealer.setHandshakeIvl(3000);
      dealer.bind(bindEndpoint);
      ZMQ.Socket addressed = bindAddressed(context, bindEndpoint, dealer.getLastEndpoint());
      WorkerLink link = new WorkerLink(config, registry, context, dealer, addressed);
      link.thread.start();
      return link;
    } catch (RuntimeException e) {
      context.close();
      throw e;
    }
  }

  /**
   * The addressed socket: a ROUTER on the dispatch socket's interface, at its port + 1 (or any free
   * port when the dispatch port was picked by the OS). Workers learn the port from each request;
   * only TCP dispatch endpoints get one.
   */
  private static ZMQ.Socket bindAddressed(ZContext context, String configured, String bound) {
    String endpoint = Endpoints.addressedFor(configured, bound);
    if (endpoint == null) {
      return null;
    }
    ZMQ.Socket router = context.createSocket(SocketType.ROUTER);
    router.setLinger(0);
    router.setRouterMandatory(true); // a send to a worker that left fails instead of vanishing
    router.setRouterHandover(
        true); // a worker that redials keeps its routing id (see AddressedOutbox)
    router.setHeartbeatIvl(1000);
    router.setHeartbeatTimeout(3000);
    router.setHeartbeatTtl(6000);
    router.setHandshakeIvl(3000);
    try {
      router.bind(endpoint);
    } catch (ZMQException e) {
      throw new ZMQException(
          "cannot bind addressed socket " + endpoint + " (--bind port + 1): " + e.getMessage(),
          e.getErrorCode());
    }
    return router;
  }

  private static byte[] routerIdentity() {
    return ("router-" + Long.toHexString(ThreadLocalRandom.current().nextLong()))
        .getBytes(StandardCharsets.US_ASCII);
  }

  /** The endpoint actually bound, with the port resolved when {@code *} was asked for. */
  public String boundEndpoint() {
    return boundEndpoint;
  }

  /** TCP port of the addressed socket workers connect to, or 0 when there is none. */
  public int addressedPort() {
    return addressedPort;
  }

  /** Any thread: queue a request for a worker. */
  public void dispatch(Dispatch dispatch) {
    incoming.add(dispatch);
    wakeup.signal();
  }

  /** Any thread: the workers on the addressed socket, as the link thread sees them now. */
  public CompletableFuture<List<WorkerView>> workers() {
    WorkersQuery query = new WorkersQuery(new CompletableFuture<>());
    incoming.add(query);
    wakeup.signal();
    return query.answer();
  }

  record WorkersQuery(CompletableFuture<List<WorkerView>> answer) implements LinkCommand {}

  @Override
  public void reset(long streamId, ResetReason reason) {
    incoming.add(new StreamReset(streamId, reason));
    wakeup.signal();
  }

  @Override
  public void sendFollowUp(long streamId, byte[] frame) {
    incoming.add(new FollowUp(streamId, frame));
    wakeup.signal();
  }

  /** A command to the link: one frame for the worker holding the stream. */
  record FollowUp(long streamId, byte[] frame) implements LinkCommand {}

  private void run() {
    ConnectionLog connections =
        new ConnectionLog(context, dealer, Integer.toHexString(System.identityHashCode(this)));
    ZMQ.Poller idle = poller(connections, ZMQ.Poller.POLLIN);
    ZMQ.Poller holding = poller(connections, ZMQ.Poller.POLLIN | ZMQ.Poller.POLLOUT);
    try {
      while (running) {
        (held.isEmpty() ? idle : holding).poll(pollTimeoutMillis());
        if (!running) {
          break;
        }
        wakeup.clear();
        connections.drain();
        LinkCommand command;
        while ((command = incoming.poll()) != null) {
          if (command instanceof Dispatch d) {
            held.add(d);
          } else if (command instanceof FollowUp f) {
            followUp(f);
          } else if (command instanceof StreamReset r) {
            resetUpstream(r);
          } else if (command instanceof WorkersQuery q) {
            q.answer().complete(workers.snapshot(System.nanoTime()));
          }
        }
        receive();
        receiveAddressed();
        long now = System.nanoTime();
        workers.expire(now, this::upstreamLost, this::workerGone);
        heartbeatIfDue(now);
        unaccepted.expire(now, this::redispatch);
        refused.release(now, held::addFirst);
        sendHeld(now);
        if (outbox != null) {
          outbox.flush();
        }
        held.expire(
            now, expired -> expired.stream().executor().execute(expired.stream()::onNoWorker));
      }
    } catch (RuntimeException e) {
      log.error("worker link failed; requests can no longer reach workers", e);
    } finally {
      idle.close();
      holding.close();
      connections.close();
      context.close();
      wakeup.close();
    }
  }

  private ZMQ.Poller poller(ConnectionLog connections, int dealerEvents) {
    ZMQ.Poller poller = context.createPoller(4);
    poller.register(wakeup.channel(), ZMQ.Poller.POLLIN);
    poller.register(dealer, dealerEvents);
    poller.register(connections.socket(), ZMQ.Poller.POLLIN);
    if (addressed != null) {
      poller.register(addressed, ZMQ.Poller.POLLIN);
    }
    return poller;
  }

  /** The worker holding the stream died: send an idempotent request elsewhere, else give up. */
  private void upstreamLost(long streamId) {
    Dispatch again = dispatches.remove(streamId);
    if (again != null && again.idempotent() && !again.bodyFollows() && !again.stream().isDone()) {
      log.info("worker died before answering stream {}; sending it to another worker", streamId);
      held.addFirst(again);
      return;
    }
    ProxyStream stream = registry.get(streamId);
    if (stream != null) {
      stream.executor().execute(stream::onUpstreamLost);
    }
  }

  private void followUp(FollowUp f) {
    byte[] owner = workers.ownerOf(f.streamId());
    if (owner == null) {
      log.debug("no addressed worker holds stream {}; dropping a follow-up frame", f.streamId());
      return;
    }
    outbox.send(owner, f.frame());
  }

  private void heartbeatIfDue(long now) {
    if (outbox == null || now - nextHeartbeatNanos < 0) {
      return;
    }
    nextHeartbeatNanos = now + HEARTBEAT_NANOS;
    dispatches.values().removeIf(d -> d.stream().isDone());
    if (limitSlowWorkers) {
      workers.updateStreamLimits();
    }
    long sentAt = System.currentTimeMillis();
    for (AddressedWorkers.Greeted worker : workers.greeted()) {
      byte[] heartbeat =
          FrameCodec.encode(
              Frame.newBuilder()
                  .setHeartbeat(
                      Heartbeat.newBuilder()
                          .setSentUnixMs(sentAt)
                          .setMaxStreams(worker.maxStreams()))
                  .build());
      outbox.send(worker.routingId(), heartbeat);
    }
  }

  private void workerGone(byte[] worker) {
    if (outbox != null) {
      outbox.forget(worker);
    }
  }

  /** Tells the worker holding the stream to stop; a request no worker took is just dropped. */
  private void resetUpstream(StreamReset reset) {
    long streamId = reset.streamId();
    dispatches.remove(streamId);
    unaccepted.accepted(streamId); // settled: never resend it
    byte[] owner = workers.ownerOf(streamId);
    workers.streamFinished(streamId);
    if (owner == null) {
      log.debug("stream {} ended ({}) with no addressed worker to tell", streamId, reset.reason());
      return;
    }
    outbox.send(owner, resetFrame(streamId, reset.reason())); // behind its body and credit
    log.debug("sent {} to the worker of stream {}", reset.reason(), streamId);
  }

  private void redispatch(Dispatch d) {
    log.debug("no worker acknowledged stream {} in time; sending it again", d.stream().id());
    held.addFirst(d);
  }

  private long pollTimeoutMillis() {
    long now = System.nanoTime();
    long next = Math.min(unaccepted.nanosUntilNextTimeout(now), refused.nanosUntilNext(now));
    if (!held.isEmpty()) {
      next = Math.min(next, Math.min(HELD_RETRY_NANOS, held.nanosUntilNextExpiry(now)));
    }
    if (outbox != null && !outbox.isEmpty()) {
      next = Math.min(next, FULL_PIPE_RETRY_NANOS); // ROUTER sockets have no writable event
    }
    if (workers.size() > 0) {
      // notice a silent worker soon after it crosses the liveness timeout: with the 2.5 s
      // default, a worker that dies is taken for dead within 2.6 s of its last heartbeat
      next = Math.min(next, livenessNanos / 25);
      next = Math.min(next, Math.max(0, nextHeartbeatNanos - now)); // and say we are alive
    }
    if (next == Long.MAX_VALUE) {
      return -1;
    }
    return Math.max(1, TimeUnit.NANOSECONDS.toMillis(next) + 1);
  }

  /** Sends held requests in order until the DEALER has no worker with room. */
  private void sendHeld(long now) {
    Dispatch d;
    while ((d = held.peek()) != null) {
      if (workers.ownerOf(d.stream().id()) != null) {
        held.removeFirst(); // a late acknowledgement claimed it while it waited here
        continue;
      }
      byte[][] parts = d.parts();
      int last = parts.length - 1;
      if (!dealer.send(parts[0], (last > 0 ? ZMQ.SNDMORE : 0) | ZMQ.DONTWAIT)) {
        return; // no worker can take it now: keep holding
      }
      for (int i = 1; i <= last; i++) {
        // Once the first part is queued, ZeroMQ accepts the rest of the message.
        dealer.send(parts[i], i < last ? ZMQ.SNDMORE : 0);
      }
      held.removeFirst();
      unaccepted.sent(d, now);
      dispatches.put(d.stream().id(), d);
    }
  }

  /** Drains received messages and hands frames to their streams' event loops in batches. */
  private void receive() {
    for (int n = 0; n < MAX_RECEIVES_PER_PASS; n++) {
      byte[] part = dealer.recv(ZMQ.DONTWAIT);
      if (part == null) {
        break;
      }
      do {
        decode(part, null);
        part = dealer.hasReceiveMore() ? dealer.recv(0) : null;
      } while (part != null);
    }
    batch.dispatchAll();
  }

  /** Frames on the addressed socket come from a known worker: [routing id][frame]... */
  private void receiveAddressed() {
    if (addressed == null) {
      return;
    }
    for (int n = 0; n < MAX_RECEIVES_PER_PASS; n++) {
      byte[] routingId = addressed.recv(ZMQ.DONTWAIT);
      if (routingId == null) {
        break;
      }
      while (addressed.hasReceiveMore()) {
        decode(addressed.recv(0), routingId);
      }
    }
    batch.dispatchAll();
  }

  /** {@code worker}: the routing id on the addressed socket, or null on the dispatch path. */
  private void decode(byte[] part, byte[] worker) {
    Frame frame;
    try {
      frame = FrameCodec.decode(part);
    } catch (MalformedFrameException e) {
      ProxyStream stream = e.streamId() == 0 ? null : registry.get(e.streamId());
      if (stream == null) {
        log.warn("dropping malformed frame from a worker: reason = {}", e.getMessage());
        return;
      }
      unaccepted.accepted(e.streamId()); // a worker has it, even if it answers badly
      batch.protocolError(stream, e.getMessage());
      return;
    }
    long streamId = frame.getStreamId();
    long now = System.nanoTime();
    if (streamId == 0) {
      if (frame.hasWorkerHello() && worker != null) {
        WorkerHello hello = frame.getWorkerHello();
        workers.hello(worker, hello.getWorkerId(), hello.getConcurrency(), now);
        confirmHello(worker);
      } else if (frame.hasHeartbeat() && worker != null) {
        workers.seen(worker, now);
      } else if (frame.hasWorkerState() && worker != null) {
        workers.seen(worker, now);
        WorkerState state = frame.getWorkerState();
        switch (state.getPhase()) {
          case PHASE_DRAINING -> workers.draining(worker, state.getInFlight());
          case PHASE_LEAVING ->
              workers.left(worker, state.getInFlight(), this::upstreamLost, this::workerGone);
          default -> log.debug("ignoring worker state {}", state.getPhase());
        }
      } else {
        log.debug("ignoring connection-level {} frame", frame.getKindCase());
      }
      return;
    }
    // Who sent it: the addressed connection, or the one an acknowledgement on the dispatch path
    // names; null for other frames on the dispatch path.
    byte[] from = worker;
    if (worker != null) {
      workers.seen(worker, now);
    } else if (frame.hasAccept()
        && !frame.getAccept().getAddressedId().isEmpty()
        && outbox != null) {
      from = frame.getAccept().getAddressedId().toByteArray();
    }
    ProxyStream stream = registry.get(streamId);
    if (stream == null) {
      log.debug(
          "frame for a stream that is gone: stream = {}, kind = {}", streamId, frame.getKindCase());
      if (frame.hasAccept() && from != null) {
        // Its client left (or it was answered already): the worker need not run it.
        outbox.send(from, resetFrame(streamId, ResetReason.RESET_REASON_CANCEL));
      }
      return;
    }
    Dispatch request = dispatches.get(streamId);
    boolean firstClaim = false;
    if (from != null) {
      AddressedWorkers.Claim claim = workers.claim(streamId, from, now);
      if (claim == AddressedWorkers.Claim.OTHERS) {
        // Sent again after this worker's acknowledgement came late (or was lost), and another
        // worker's came first: this one must drop it.
        log.debug("stream {} is held by another worker; telling this one to drop it", streamId);
        if (!FrameCodec.endsStream(frame)) {
          outbox.send(from, resetFrame(streamId, ResetReason.RESET_REASON_CANCEL));
        }
        return;
      }
      firstClaim = claim == AddressedWorkers.Claim.FIRST;
    } else if (workers.ownerOf(streamId) != null) {
      log.debug("dropping {} of stream {}: another worker holds it", frame.getKindCase(), streamId);
      return;
    }
    if (frame.hasResponseHead()) {
      workers.answered(streamId, now);
    }
    boolean refusal =
        frame.hasReset() && frame.getReset().getReason() == ResetReason.RESET_REASON_REFUSED;
    if (refusal) {
      workers.streamEnded(streamId); // another worker may take it
    } else if (FrameCodec.endsStream(frame)) {
      workers.streamFinished(streamId);
    }
    if (refusal) {
      Dispatch again = unaccepted.refused(streamId); // refused instead of acknowledged
      if (again == null && from != null && request != null && !request.bodyFollows()) {
        again = request; // refused by the worker that held it: it never ran all the same
      }
      if (again != null) {
        log.debug(
            "worker refused stream {}: {}; sending it again",
            streamId,
            frame.getReset().getMessage());
        again = again.refusedOnceMore();
        dispatches.put(streamId, again);
        refused.add(again, now);
        return;
      }
    }
    if (frame.hasResponseHead() || frame.hasReset()) {
      // answered (or reset): never sent again; a 101 too, as a WebSocket session is not
      // idempotent once accepted
      dispatches.remove(streamId);
    }
    boolean firstWord = unaccepted.accepted(streamId) != null || firstClaim;
    if (frame.hasAccept()) {
      if (firstClaim && request != null && request.awaitsStart()) {
        // The first acknowledgement of a request that must not run twice: this worker runs it.
        outbox.send(
            from,
            FrameCodec.encode(
                Frame.newBuilder()
                    .setStreamId(streamId)
                    .setStart(io.zrouter.proto.Start.getDefaultInstance())
                    .build()));
      }
      if (!firstWord || request == null || !request.bodyFollows()) {
        return; // only a stream with more body to send needs to hear of it, once
      }
      // Its body streams to this worker now: it can never be sent again, so let its first part go.
      dispatches.remove(streamId);
    }
    batch.frame(stream, frame);
  }

  private static byte[] resetFrame(long streamId, ResetReason reason) {
    return FrameCodec.encode(
        Frame.newBuilder()
            .setStreamId(streamId)
            .setReset(Reset.newBuilder().setReason(reason))
            .build());
  }

  /**
   * Answers a worker's hello on its addressed connection: once it hears back, the worker knows the
   * connection works both ways and moves new streams onto it.
   */
  private void confirmHello(byte[] worker) {
    byte[] hello =
        FrameCodec.encode(
            Frame.newBuilder()
                .setRouterHello(
                    RouterHello.newBuilder()
                        .setProtocolVersion(FrameCodec.PROTOCOL_VERSION)
                        .setRouterId(routerId))
                .build());
    outbox.send(worker, hello);
  }

  /** Stops the link thread and closes the sockets. Held requests are dropped. */
  @Override
  public void close() {
    running = false;
    wakeup.signal();
    try {
      thread.join(TimeUnit.SECONDS.toMillis(5));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
