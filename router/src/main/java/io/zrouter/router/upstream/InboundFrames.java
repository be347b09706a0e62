package io.zrouter.router.upstream;

import io.zrouter.proto.Frame;
import io.zrouter.proto.FrameCodec;
import io.zrouter.proto.MalformedFrameException;
import io.zrouter.proto.ResetReason;
import io.zrouter.proto.WorkerHello;
import io.zrouter.proto.WorkerState;
import io.zrouter.router.stream.ProxyStream;
import io.zrouter.router.stream.StreamRegistry;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decodes the frames workers send and sends each where it belongs: a connection-level frame (hello,
 * heartbeat, drain and leave) to {@link AddressedWorkers}, a hello's routes to {@link ServiceLanes}
 * too, a stream's frame through {@link DispatchTracker} to its stream's event loop, in a {@link
 * ResponseBatch}. Link thread only.
 */
final class InboundFrames {
  private static final Logger log = LoggerFactory.getLogger(InboundFrames.class);

  private final StreamRegistry registry;
  private final DispatchTracker tracker;
  private final AddressedWorkers workers;
  private final ServiceLanes services;
  private final AddressedOutbox outbox;
  private final ResponseBatch batch;
  private final String routerId;
  private final Consumer<byte[]> workerGone;

  /**
   * @param outbox null when there is no addressed socket
   * @param workerGone told of a worker that said it leaves
   */
  InboundFrames(
      StreamRegistry registry,
      DispatchTracker tracker,
      AddressedWorkers workers,
      ServiceLanes services,
      AddressedOutbox outbox,
      ResponseBatch batch,
      String routerId,
      Consumer<byte[]> workerGone) {
    this.registry = registry;
    this.tracker = tracker;
    this.workers = workers;
    this.services = services;
    this.outbox = outbox;
    this.batch = batch;
    this.routerId = routerId;
    this.workerGone = workerGone;
  }

  /**
   * One message part. {@code worker}: the routing id on the addressed socket, or null on the
   * dispatch socket, whose frames name no connection.
   */
  void onPart(byte[] part, byte[] worker, long nowNanos) {
    Frame frame;
    try {
      frame = FrameCodec.decode(part);
    } catch (MalformedFrameException e) {
      ProxyStream stream = e.streamId() == 0 ? null : registry.get(e.streamId());
      if (stream == null) {
        log.warn("dropping malformed frame from a worker: reason = {}", e.getMessage());
        return;
      }
      tracker.onMalformed(e.streamId());
      batch.protocolError(stream, e.getMessage());
      return;
    }
    if (frame.getStreamId() == 0) {
      onConnectionFrame(frame, worker, nowNanos);
    } else {
      onStreamFrame(frame, worker, nowNanos);
    }
  }

  private void onConnectionFrame(Frame frame, byte[] worker, long nowNanos) {
    if (worker == null) {
      log.debug("ignoring connection-level {} frame on the dispatch socket", frame.getKindCase());
      return;
    }
    workers.seen(worker, nowNanos);
    switch (frame.getKindCase()) {
      case WORKER_HELLO -> {
        WorkerHello hello = frame.getWorkerHello();
        ServiceLanes.Answer answer =
            services.onHello(hello.getWorkerId(), hello.getRoutesList(), nowNanos);
        workers.hello(worker, hello.getWorkerId(), hello.getConcurrency(), nowNanos, answer.lane());
        outbox.send(
            worker,
            answer.lane() == null
                ? LinkFrames.routerRefusal(routerId, answer.refusal())
                : LinkFrames.routerHello(routerId, answer.lane().port));
      }
      case HEARTBEAT -> {
        // seen above: that is all a heartbeat says
      }
      case WORKER_STATE -> {
        WorkerState state = frame.getWorkerState();
        switch (state.getPhase()) {
          case PHASE_DRAINING -> workers.draining(worker, state.getInFlight());
          case PHASE_LEAVING -> workers.left(worker, state.getInFlight(), nowNanos, workerGone);
          case PHASE_UNAVAILABLE -> workers.unhealthy(worker, true);
          case PHASE_SERVING -> workers.unhealthy(worker, false);
          default -> log.debug("ignoring worker state {}", state.getPhase());
        }
      }
      default -> log.debug("ignoring connection-level {} frame", frame.getKindCase());
    }
  }

  private void onStreamFrame(Frame frame, byte[] worker, long nowNanos) {
    long streamId = frame.getStreamId();
    // Who sent it: the addressed connection, or the one an acknowledgement on the dispatch path
    // names; null for other frames on the dispatch path.
    byte[] from = worker;
    boolean known = false; // whether AddressedWorkers already has the sender
    if (worker != null) {
      known = workers.seen(worker, nowNanos);
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
        outbox.send(from, LinkFrames.reset(streamId, ResetReason.RESET_REASON_CANCEL));
      }
      return;
    }
    if (from != null && !known) {
      workers.track(from, nowNanos);
    }
    boolean deliver;
    if (frame.hasAccept()) {
      deliver = tracker.onAccept(streamId, from, nowNanos);
    } else if (frame.hasReset()
        && frame.getReset().getReason() == ResetReason.RESET_REASON_REFUSED) {
      log.debug("worker refused stream {}: {}", streamId, frame.getReset().getMessage());
      deliver = tracker.onRefused(streamId, from, nowNanos);
    } else {
      deliver = tracker.onResponse(streamId, from, frame, nowNanos);
    }
    if (deliver) {
      batch.frame(stream, frame);
    }
  }
}
