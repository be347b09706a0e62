package io.zrouter.router.upstream;

import io.zrouter.proto.ResetReason;
import io.zrouter.router.config.RouterConfig;
import io.zrouter.router.stream.ProxyStream;
import io.zrouter.router.stream.StreamRegistry;
import io.zrouter.router.stream.UpstreamControl;
import io.zrouter.shaded.org.zeromq.ZMQ;
import io.zrouter.shaded.org.zeromq.ZMQException;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one thread that owns the router's ZeroMQ sockets ({@link LinkSockets}), and the loop it runs.
 *
 * <p>Event loops hand it commands ({@link LinkCommand}) through a queue plus a wake-up. Each pass
 * it drains them, sends held requests on the dispatch socket (a DEALER, whose round-robin picks the
 * worker) while a worker has room, reads what workers sent ({@link InboundFrames}), and runs its
 * timers: worker liveness, heartbeats, and the requeues and give-ups of {@link DispatchTracker},
 * which owns where each request stands. Response frames reach each stream's event loop in batches.
 */
public final class WorkerLink implements UpstreamControl, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(WorkerLink.class);

  /** Upper bound on messages received per pass, so sending is never starved. */
  private static final int MAX_RECEIVES_PER_PASS = 4096;

  /** Retry interval for held requests, in case a POLLOUT edge is missed. */
  private static final long HELD_RETRY_NANOS = TimeUnit.MILLISECONDS.toNanos(50);

  /** How often each worker hears from the router, so it can tell a dead router from an idle one. */
  private static final long HEARTBEAT_NANOS = TimeUnit.SECONDS.toNanos(1);

  /** Retry interval while a worker's addressed pipe is full. */
  private static final long FULL_PIPE_RETRY_NANOS = TimeUnit.MILLISECONDS.toNanos(1);

  private final StreamRegistry registry;
  private final LinkSockets sockets;
  private final boolean limitSlowWorkers;
  private final long livenessNanos;
  private final AddressedWorkers workers;
  private final DispatchTracker tracker;
  private final AddressedOutbox outbox;
  private final ResponseBatch batch = new ResponseBatch();
  private final InboundFrames inbound;
  private final ServiceLanes lanes;
  private final IterationWakeup commandWakeup;

  /** Commands from the event loops and the admin server, in order. */
  private final Queue<LinkCommand> incoming = new ConcurrentLinkedQueue<>();

  private long nextHeartbeatNanos = System.nanoTime();
  private final Thread thread;
  private volatile boolean running = true;

  private WorkerLink(RouterConfig config, StreamRegistry registry, LinkSockets sockets) {
    this.registry = registry;
    this.sockets = sockets;
    this.livenessNanos = config.workerLiveness().toNanos();
    this.limitSlowWorkers = config.limitSlowWorkers();
    this.tracker =
        new DispatchTracker(
            config.workerWait().toNanos(), config.acceptTimeout().toNanos(), new Effects());
    this.workers = new AddressedWorkers(livenessNanos, tracker::heldBy);
    this.lanes = new ServiceLanes(sockets, config.servicePorts(), System.nanoTime());
    this.outbox =
        sockets.addressed == null ? null : new AddressedOutbox(sockets.addressed, workers::greeted);
    this.inbound =
        new InboundFrames(
            registry, tracker, workers, lanes, outbox, batch, sockets.routerId, this::workerGone);
    this.commandWakeup = new IterationWakeup(sockets.wakeup);
    this.thread = new Thread(this::run, "zrouter-link");
  }

  /**
   * Binds the sockets and starts the link thread.
   *
   * @throws ZMQException when the endpoint cannot be bound (in use, bad address)
   */
  public static WorkerLink start(RouterConfig config, StreamRegistry registry) {
    WorkerLink link = new WorkerLink(config, registry, LinkSockets.bind(config.bind()));
    link.thread.start();
    return link;
  }

  /** The endpoint actually bound, with the port resolved when {@code *} was asked for. */
  public String boundEndpoint() {
    return sockets.dispatchEndpoint();
  }

  /** TCP port of the addressed socket workers connect to, or 0 when there is none. */
  public int addressedPort() {
    return sockets.addressedPort();
  }

  /** Any thread: queue a request for a worker. */
  public void dispatch(Dispatch dispatch) {
    command(dispatch);
  }

  /**
   * Any thread: the workers on the addressed socket and the refusal counts, as the link sees them
   * now.
   */
  public CompletableFuture<LinkView> view() {
    ViewQuery query = new ViewQuery(new CompletableFuture<>());
    command(query);
    return query.answer();
  }

  record ViewQuery(CompletableFuture<LinkView> answer) implements LinkCommand {}

  @Override
  public void reset(long streamId, ResetReason reason) {
    command(new StreamReset(streamId, reason));
  }

  @Override
  public void sendFollowUp(long streamId, byte[] frame) {
    command(new FollowUp(streamId, frame));
  }

  /** A command to the link: one frame for the worker holding the stream. */
  record FollowUp(long streamId, byte[] frame) implements LinkCommand {}

  @Override
  public void resendRefused(Dispatch refused, byte[][] moreBody, boolean stillFollows) {
    command(new MoreBody(refused.withMoreBody(moreBody, stillFollows), moreBody));
  }

  /** A command to the link: a refused request to send again, grown by {@code moreBody}. */
  record MoreBody(Dispatch grown, byte[][] moreBody) implements LinkCommand {}

  private void command(LinkCommand command) {
    incoming.add(command);
    commandWakeup.signal();
  }

  private void run() {
    try {
      sockets.open(Integer.toHexString(System.identityHashCode(this)));
      while (running) {
        sockets.poll(
            lanes.all(),
            tracker.hasHeld() ? tracker.lanesHolding() : List.of(),
            pollTimeoutMillis());
        if (!running) {
          break;
        }
        sockets.acknowledgeWakeup();
        sockets.logConnections();
        drainCommands();
        receive();
        long now = System.nanoTime();
        workers.expire(now, this::workerGone);
        heartbeatIfDue(now);
        tracker.requeueDue(now);
        sendHeld(now);
        if (outbox != null) {
          outbox.flush();
        }
        tracker.giveUpWaiting(now);
      }
    } catch (RuntimeException e) {
      log.error("worker link failed; requests can no longer reach workers", e);
    } finally {
      sockets.close();
    }
  }

  private void drainCommands() {
    LinkCommand command;
    while ((command = incoming.poll()) != null) {
      if (command instanceof Dispatch d) {
        queue(d);
      } else if (command instanceof FollowUp f) {
        followUp(f);
      } else if (command instanceof StreamReset r) {
        resetUpstream(r);
      } else if (command instanceof MoreBody m) {
        tracker.onMoreBody(m.grown(), m.moreBody(), System.nanoTime());
      } else if (command instanceof ViewQuery q) {
        q.answer()
            .complete(
                new LinkView(
                    workers.snapshot(System.nanoTime()), tracker.refusals(), tracker.resends()));
      }
    }
  }

  /**
   * Picks the request's service by its host and path and hands it to the tracker. A request no
   * route matches goes to the default service; when services exist and the default service has no
   * worker, it gets 404: there is nothing it could be meant for.
   */
  private void queue(Dispatch d) {
    ServiceLane lane = lanes.hasServices() ? lanes.match(d.authority(), d.path()) : null;
    if (lane == null) {
      if (lanes.hasServices() && !sockets.hasDefaultWorkers()) {
        ProxyStream stream = d.stream();
        stream.executor().execute(() -> stream.onNoRoute(d.authority(), d.path()));
        return;
      }
      lane = lanes.defaultLane();
    }
    tracker.onQueued(d.inLane(lane));
  }

  /** What the tracker asks of the link. */
  private final class Effects implements DispatchTracker.Effects {
    @Override
    public void start(byte[] worker, long streamId) {
      outbox.send(worker, LinkFrames.start(streamId));
    }

    @Override
    public void cancel(byte[] worker, long streamId) {
      outbox.send(worker, LinkFrames.reset(streamId, ResetReason.RESET_REASON_CANCEL));
    }

    @Override
    public void latency(byte[] worker, long nanos) {
      workers.latency(worker, nanos);
    }

    @Override
    public void takeMoreBody(Dispatch refused) {
      ProxyStream stream = refused.stream();
      stream.executor().execute(() -> stream.onRefusedBeforeBodyEnded(refused));
    }

    @Override
    public void followUp(byte[] worker, byte[] frame) {
      outbox.send(worker, frame);
    }

    @Override
    public void noWorker(ProxyStream stream) {
      stream.executor().execute(stream::onNoWorker);
    }

    @Override
    public void lost(long streamId) {
      ProxyStream stream = registry.get(streamId);
      if (stream != null) {
        stream.executor().execute(stream::onUpstreamLost);
      }
    }
  }

  /** A worker died (silent) or left: its streams go elsewhere or fail, its frames are dropped. */
  private void workerGone(byte[] worker) {
    tracker.onWorkerLost(worker);
    if (outbox != null) {
      outbox.forget(worker);
    }
  }

  private void followUp(FollowUp f) {
    byte[] owner = tracker.ownerOf(f.streamId());
    if (owner == null) {
      log.debug("no addressed worker holds stream {}; dropping a follow-up frame", f.streamId());
      return;
    }
    outbox.send(owner, f.frame());
  }

  /** Tells the worker holding the stream to stop; a request no worker took is just dropped. */
  private void resetUpstream(StreamReset reset) {
    byte[] owner = tracker.onReset(reset.streamId());
    if (owner == null) {
      log.debug(
          "stream {} ended ({}) with no addressed worker to tell",
          reset.streamId(),
          reset.reason());
      return;
    }
    outbox.send(owner, LinkFrames.reset(reset.streamId(), reset.reason())); // behind its body
    log.debug("sent {} to the worker of stream {}", reset.reason(), reset.streamId());
  }

  private void heartbeatIfDue(long now) {
    if (outbox == null || now - nextHeartbeatNanos < 0) {
      return;
    }
    nextHeartbeatNanos = now + HEARTBEAT_NANOS;
    lanes.retireIdle(now, tracker::onLaneRetired);
    if (limitSlowWorkers) {
      workers.updateStreamLimits();
    }
    long sentAt = System.currentTimeMillis();
    for (AddressedWorkers.Greeted worker : workers.greeted()) {
      outbox.send(worker.routingId(), LinkFrames.heartbeat(sentAt, worker.maxStreams()));
    }
  }

  private long pollTimeoutMillis() {
    long now = System.nanoTime();
    long next = tracker.nanosUntilNextDeadline(now);
    if (tracker.hasHeld()) {
      next = Math.min(next, HELD_RETRY_NANOS);
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

  /** Sends each service's held requests in order until its DEALER has no worker with room. */
  private void sendHeld(long now) {
    if (!tracker.hasHeld()) {
      return;
    }
    for (ServiceLane lane : tracker.lanesHolding()) {
      Dispatch d;
      while ((d = tracker.nextToSend(lane)) != null) {
        byte[][] parts = d.parts();
        int last = parts.length - 1;
        if (!lane.socket.send(parts[0], (last > 0 ? ZMQ.SNDMORE : 0) | ZMQ.DONTWAIT)) {
          break; // no worker of this service can take it now: keep holding
        }
        for (int i = 1; i <= last; i++) {
          // Once the first part is queued, ZeroMQ accepts the rest of the message.
          lane.socket.send(parts[i], i < last ? ZMQ.SNDMORE : 0);
        }
        tracker.onSent(d, now);
      }
    }
  }

  /** Reads what workers sent on every socket and hands it on, one batch per socket. */
  private void receive() {
    long now = System.nanoTime();
    for (ServiceLane lane : lanes.all()) {
      ZMQ.Socket dispatch = lane.socket;
      for (int n = 0; n < MAX_RECEIVES_PER_PASS; n++) {
        byte[] part = dispatch.recv(ZMQ.DONTWAIT);
        if (part == null) {
          break;
        }
        do {
          inbound.onPart(part, null, now);
          part = dispatch.hasReceiveMore() ? dispatch.recv(0) : null;
        } while (part != null);
      }
    }
    batch.dispatchAll();
    ZMQ.Socket addressed = sockets.addressed;
    if (addressed == null) {
      return;
    }
    // Frames on the addressed socket come from a known worker: [routing id][frame]...
    for (int n = 0; n < MAX_RECEIVES_PER_PASS; n++) {
      byte[] routingId = addressed.recv(ZMQ.DONTWAIT);
      if (routingId == null) {
        break;
      }
      while (addressed.hasReceiveMore()) {
        inbound.onPart(addressed.recv(0), routingId, now);
      }
    }
    batch.dispatchAll();
  }

  /** Stops the link thread and closes the sockets. Held requests are dropped. */
  @Override
  public void close() {
    running = false;
    sockets.wakeup.signal();
    try {
      thread.join(TimeUnit.SECONDS.toMillis(5));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
