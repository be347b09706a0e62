package io.zrouter.worker.internal;

import io.zrouter.proto.Frame;
import io.zrouter.proto.FrameCodec;
import io.zrouter.proto.MalformedFrameException;
import io.zrouter.proto.RequestHead;
import io.zrouter.proto.Reset;
import io.zrouter.proto.ResetReason;
import io.zrouter.proto.RouterHello;
import io.zrouter.worker.Handler;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns messages from routers into streams and handler runs. Confined to the IO thread.
 *
 * <p>On the ROUTER socket, a message that starts with a {@code request_head} is a dispatched
 * request: the head plus body frames of the same stream. When it arrives, the stream's {@link
 * ReplyPath} is chosen (the router's addressed link if it has one, else the ROUTER socket) before
 * anything else, so even the {@code accept} takes it. Other messages, on the ROUTER socket or on a
 * router's addressed link, carry follow-up frames ({@code body} for a known stream, {@code reset})
 * or connection-level frames, which are ignored. Streams are keyed by router and stream id whatever
 * path a follow-up comes on. A message with an undecodable part, a frame a router never sends, a
 * broken request layout or a request on an addressed link is dropped whole with one WARN.
 *
 * <p>A request is refused (REFUSED, so the router sends it elsewhere) while the worker drains,
 * while it is unavailable ({@link #setAvailable}, the one method any thread may call), when all its
 * handler threads are busy, and when it holds as many of that router's streams as the router's
 * heartbeat allows (a router limits a worker far slower than the others).
 *
 * <p>A request sent with {@code await_start} (one that must not run twice) is acknowledged at once
 * but runs only when the router's {@code start} for it arrives; a reset instead means another
 * worker has it.
 */
public final class RequestDispatcher {
  private static final Logger log = LoggerFactory.getLogger(RequestDispatcher.class);

  private final OpenStreams streams = new OpenStreams();
  private final AwaitingStart awaitingStart = new AwaitingStart();
  private final Handler handler;
  private final Executor handlerPool;
  private final OutboundQueue outbound;
  private final String workerId;
  private final int capacity;

  /** Handlers running or about to: never more than {@code capacity}, so none waits in a queue. */
  private final java.util.concurrent.atomic.AtomicInteger running =
      new java.util.concurrent.atomic.AtomicInteger();

  private boolean draining;

  /** Written by any thread ({@code Worker.setAvailable}), read by the IO thread. */
  private volatile boolean available = true;

  /** WebSocket close code: the endpoint is going away. */
  private static final int GOING_AWAY = 1001;

  public RequestDispatcher(
      Handler handler,
      Executor handlerPool,
      OutboundQueue outbound,
      String workerId,
      int capacity) {
    this.handler = handler;
    this.handlerPool = handlerPool;
    this.outbound = outbound;
    this.workerId = workerId;
    this.capacity = capacity;
  }

  /** Picks the reply path of a new stream. Implemented by the IO thread, which owns the sockets. */
  interface ReplyPaths {
    /**
     * The path for a stream {@code router} just dispatched, whose request names {@code
     * addressedPort}. May first open the router's addressed link, or close one to another port
     * (calling {@link #cancelStreamsOn} for the streams on it).
     */
    ReplyPath forNewStream(PeerId router, int addressedPort);

    /**
     * Hands an acknowledgement to ZeroMQ now, on the ROUTER socket the request came in on; false
     * when the pipe is full (the caller then queues it like any frame).
     */
    boolean acknowledgeNow(PeerId router, OutboundFrame accept);
  }

  /** One message from a router on the ROUTER socket, routing id already split off. */
  void onMessage(PeerId peer, List<byte[]> parts, ReplyPaths paths) {
    List<Frame> frames = decode(peer, parts, "router socket");
    if (frames == null) {
      return;
    }
    if (frames.get(0).hasRequestHead()) {
      onRequest(peer, frames, paths);
    } else {
      for (Frame frame : frames) {
        onFollowUp(peer, frame);
      }
    }
  }

  /** One message from a router on its addressed link: follow-up frames and heartbeats only. */
  /** IO thread: who hears of a router's answer to a hello. */
  void onRouterHello(java.util.function.BiConsumer<AddressedLink, RouterHello> listener) {
    this.routerHellos = listener;
  }

  private java.util.function.BiConsumer<AddressedLink, RouterHello> routerHellos = (l, h) -> {};

  void onAddressedMessage(AddressedLink link, List<byte[]> parts) {
    PeerId peer = link.router();
    List<Frame> frames = decode(peer, parts, "addressed link");
    if (frames == null) {
      return;
    }
    if (frames.get(0).hasRequestHead()) {
      log.warn(
          "dropping a request sent on the addressed link peer = {} stream = {}",
          peer,
          frames.get(0).getStreamId());
      return;
    }
    for (Frame frame : frames) {
      if (frame.hasHeartbeat()) {
        link.limitStreams(frame.getHeartbeat().getMaxStreams());
      } else if (frame.hasRouterHello()) {
        routerHellos.accept(link, frame.getRouterHello());
      } else {
        onFollowUp(peer, frame);
      }
    }
  }

  /** The decoded frames, or null (after one WARN) when the message must be dropped. */
  private List<Frame> decode(PeerId peer, List<byte[]> parts, String via) {
    if (parts.isEmpty()) {
      log.warn("dropping empty message from router peer = {} via = {}", peer, via);
      return null;
    }
    List<Frame> frames = new ArrayList<>(parts.size());
    for (int i = 0; i < parts.size(); i++) {
      Frame frame;
      try {
        frame = FrameCodec.decode(parts.get(i));
      } catch (MalformedFrameException e) {
        log.warn(
            "dropping malformed message from router peer = {} via = {} part = {} reason = {}",
            peer,
            via,
            i,
            e.getMessage());
        return null;
      }
      String problem = layoutProblem(frames, frame, i);
      if (problem != null) {
        log.warn(
            "dropping malformed message from router peer = {} via = {} part = {} reason = {}",
            peer,
            via,
            i,
            problem);
        return null;
      }
      if (log.isDebugEnabled()) {
        log.debug(
            "recv peer = {} via = {} stream = {} kind = {}",
            peer,
            via,
            frame.getStreamId(),
            frame.getKindCase());
      }
      frames.add(frame);
    }
    return frames;
  }

  /** Why {@code frame} cannot be part {@code index} of a message starting with {@code before}. */
  private static String layoutProblem(List<Frame> before, Frame frame, int index) {
    switch (frame.getKindCase()) {
      case RESPONSE_HEAD, TRAILERS, ACCEPT, REJECT, WORKER_HELLO, WORKER_STATE:
        return "a router never sends " + frame.getKindCase();
      case REQUEST_HEAD:
        return index == 0 ? null : "request_head is not the first part";
      default:
        break;
    }
    if (before.isEmpty() || !before.get(0).hasRequestHead()) {
      return null;
    }
    Frame head = before.get(0);
    if (!frame.hasBody() || frame.getStreamId() != head.getStreamId()) {
      return "a request message may only add body frames of its stream";
    }
    Frame last = before.get(before.size() - 1);
    boolean ended =
        last.hasRequestHead()
            ? last.getRequestHead().getEndStream()
            : last.getBody().getEndStream();
    return ended ? "body frame after end_stream" : null;
  }

  private void onRequest(PeerId peer, List<Frame> frames, ReplyPaths paths) {
    Frame first = frames.get(0);
    RequestHead head = first.getRequestHead();
    // first: a link this request opens carries the whole stream, accept included
    ReplyPath path = paths.forNewStream(peer, head.getAddressedPort());
    StreamKey key = new StreamKey(peer, first.getStreamId());
    if (streams.contains(key)) {
      log.warn(
          "dropping request for a stream already in use peer = {} stream = {}",
          peer,
          key.streamId());
      return;
    }
    WorkerStream stream = new WorkerStream(key, path, head.getRequestId(), outbound);
    if (head.getProtocolVersion() != FrameCodec.PROTOCOL_VERSION) {
      // docs/protocol.md section 12: a version this worker does not know is a protocol error
      log.warn(
          "request in unknown protocol version peer = {} stream = {} version = {}",
          peer,
          key.streamId(),
          head.getProtocolVersion());
      stream.reject(
          ResetReason.RESET_REASON_PROTOCOL_ERROR,
          "unknown protocol version " + head.getProtocolVersion());
      return;
    }
    if (draining) {
      stream.refuse("worker is shutting down");
      return;
    }
    if (!available) {
      stream.refuse("worker is unavailable");
      return;
    }
    if (!endsRequest(frames.get(frames.size() - 1)) && !(path instanceof AddressedLink)) {
      // The rest of the body can only come on the addressed path, which is not up yet (it
      // opens with a router's first request): refused, the router sends it again shortly.
      stream.refuse("request body continues, and there is no addressed link to this router yet");
      return;
    }
    if (head.getAwaitStart() && !(path instanceof AddressedLink)) {
      stream.refuse("request awaits its start, and there is no addressed link to this router yet");
      return;
    }
    if (running.get() >= capacity) {
      // Only pull what we can run: every handler thread is busy, so the router sends this
      // request to another worker instead of it waiting here behind slow or stuck ones.
      log.debug("over capacity, refusing stream = {} running = {}", key.streamId(), running.get());
      stream.refuse("worker is at capacity");
      return;
    }
    if (path instanceof AddressedLink link
        && link.maxStreams() > 0
        && streams.countOn(link) >= link.maxStreams()) {
      // The router finds this worker much slower than the others and limits its share.
      log.debug("at the router's limit, refusing stream = {}", key.streamId());
      stream.refuse("worker holds the " + link.maxStreams() + " streams its router allows");
      return;
    }
    if (head.getWebsocket()) {
      if (!(path instanceof AddressedLink)) {
        // The client's messages come on the addressed path: without one they could never arrive.
        stream.refuse("no addressed link yet");
        return;
      }
      stream.attachWebSocket(new WebSocketSession(stream));
    }
    for (Frame frame : frames) {
      feed(stream, frame);
    }
    WorkerRequest request = new WorkerRequest(head, stream);
    WorkerResponse response = new WorkerResponse(stream, workerId, "HEAD".equals(head.getMethod()));
    streams.add(stream);
    running.incrementAndGet();
    boolean inline =
        !head.getWebsocket() && endsRequest(frames.get(frames.size() - 1)) && runsInline(request);
    if (!(inline && !head.getAwaitStart() && path instanceof AddressedLink)) {
      // Acknowledge before the handler can start, straight into ZeroMQ: the router must hear
      // "taken" no later than the request could have had effects, or, if this worker dies right
      // then, it might send the request to a second worker. (A request that must not run twice
      // waits for the router's start as well: an acknowledgement still inside a dying worker is
      // lost.) A request answered inline on an addressed link needs none: its response leaves in
      // this same pass, and its first frame there is the acknowledgement (docs/protocol.md, 7).
      OutboundFrame accept = stream.acceptFrame();
      if (!paths.acknowledgeNow(peer, accept)) {
        stream.queue(accept);
      }
    }
    HandlerTask task =
        new HandlerTask(handler, stream, request, response, running::decrementAndGet);
    if (head.getAwaitStart()) {
      awaitingStart.hold(stream, task, inline, System.nanoTime());
    } else if (inline) {
      task.run(); // on this IO thread: the handler said it never blocks on this request
    } else {
      run(stream, task);
    }
  }

  /** The handler's answer; a handler that fails to answer gets a handler thread. */
  private boolean runsInline(WorkerRequest request) {
    try {
      return handler.runsInline(request);
    } catch (RuntimeException e) {
      log.warn("Handler.runsInline failed; running on a handler thread request = {}", request, e);
      return false;
    }
  }

  private void run(WorkerStream stream, HandlerTask task) {
    try {
      handlerPool.execute(task);
    } catch (RejectedExecutionException e) {
      running.decrementAndGet();
      streams.remove(stream);
      stream.refuse("worker is shutting down");
    }
  }

  /**
   * The stream will never run: if it was waiting for its start, its task runs here and now, which
   * finds the stream cancelled and only frees the handler slot.
   */
  private void releaseIfAwaitingStart(StreamKey key) {
    AwaitingStart.Entry waiting = awaitingStart.take(key);
    if (waiting != null) {
      waiting.task().run();
    }
  }

  /** Gives up requests whose start never came (the router or its link died). */
  void expireAwaitingStart(long nowNanos) {
    for (AwaitingStart.Entry e : awaitingStart.takeExpired(nowNanos)) {
      log.warn("no start from the router, giving the request up stream = {}", e.stream().id());
      giveUp(e, "no start from the router within 10 s");
    }
  }

  /**
   * Refuses a request that was waiting for its start: it never ran, so the router may send it to
   * another worker even though this one acknowledged it.
   */
  private void giveUp(AwaitingStart.Entry waiting, String why) {
    streams.remove(waiting.stream());
    waiting.stream().refuseAcknowledged(why);
    waiting.task().run(); // finds the stream cancelled: only frees the handler slot
  }

  private void onFollowUp(PeerId peer, Frame frame) {
    StreamKey key = new StreamKey(peer, frame.getStreamId());
    switch (frame.getKindCase()) {
      case BODY -> {
        WorkerStream stream = streams.get(key);
        if (stream == null) {
          log.debug("ignoring body for unknown stream peer = {} stream = {}", peer, key.streamId());
        } else if (stream.isRequestEnded()) {
          log.warn(
              "ignoring body after end of request peer = {} stream = {}", peer, key.streamId());
        } else {
          feed(stream, frame);
        }
      }
      case RESET -> {
        WorkerStream stream = streams.remove(key);
        if (stream != null) {
          Reset reset = frame.getReset();
          log.debug(
              "router reset stream peer = {} stream = {} reason = {}",
              peer,
              key.streamId(),
              reset.getReason());
          stream.cancel("reset by router (" + reset.getReason() + ")");
          releaseIfAwaitingStart(key);
        } else {
          log.debug(
              "ignoring reset for unknown stream peer = {} stream = {}", peer, key.streamId());
        }
      }
      case START -> {
        AwaitingStart.Entry waiting = awaitingStart.take(key);
        if (waiting == null) {
          log.debug(
              "ignoring start for no waiting stream peer = {} stream = {}", peer, key.streamId());
        } else if (waiting.inline()) {
          waiting.task().run(); // on this IO thread, as the handler asked
        } else {
          run(waiting.stream(), waiting.task());
        }
      }
      case WINDOW_UPDATE -> {
        WorkerStream stream = streams.get(key);
        if (stream != null) {
          stream.grantResponseCredit(frame.getWindowUpdate().getIncrement());
        }
      }
      case WEBSOCKET_MESSAGE -> {
        WorkerStream stream = streams.get(key);
        WebSocketSession session = stream == null ? null : stream.webSocket();
        if (session == null || !session.isAccepted()) {
          log.debug(
              "ignoring websocket message for no open session peer = {} stream = {}",
              peer,
              key.streamId());
        } else {
          session.onMessage(frame.getWebsocketMessage());
        }
      }
      default -> log.debug("ignoring frame peer = {} kind = {}", peer, frame.getKindCase());
    }
  }

  private static boolean endsRequest(Frame frame) {
    return frame.hasRequestHead()
        ? frame.getRequestHead().getEndStream()
        : frame.getBody().getEndStream();
  }

  private static void feed(WorkerStream stream, Frame frame) {
    if (stream.isCancelled()) {
      return;
    }
    if (frame.hasRequestHead()) {
      if (frame.getRequestHead().getEndStream()) {
        stream.endRequest();
      }
      return;
    }
    io.zrouter.proto.Body body = frame.getBody();
    if (body.hasOffset() && body.getOffset() != stream.requestBytesReceived()) {
      // A frame went missing (or came twice) on the way: better no request than a corrupt one.
      log.warn(
          "request body has a gap, resetting stream = {} expected_offset = {} offset = {}",
          stream.id(),
          stream.requestBytesReceived(),
          body.getOffset());
      stream.abandon(ResetReason.RESET_REASON_PROTOCOL_ERROR, "request body has a gap");
      return;
    }
    stream.received(body.getData().size());
    stream.requestBody().append(body.getData());
    if (body.getEndStream()) {
      stream.endRequest();
    }
  }

  /** The worker's side of a stream was sent in full. */
  void streamEnded(WorkerStream stream) {
    streams.remove(stream);
  }

  /** Frames of the stream could not be delivered: the router is gone. */
  void streamLost(WorkerStream stream, String reason) {
    streams.remove(stream);
    stream.cancel(reason);
    releaseIfAwaitingStart(stream.key());
  }

  /** The path was closed (its router is gone): the streams on it are cancelled. */
  void cancelStreamsOn(ReplyPath path, String reason) {
    for (WorkerStream stream : streams.removeOn(path)) {
      stream.cancel(reason);
      releaseIfAwaitingStart(stream.key());
    }
  }

  /** Any thread: take new requests (true) or refuse them (false) from now on. */
  void setAvailable(boolean available) {
    this.available = available;
  }

  boolean isAvailable() {
    return available;
  }

  /** From now on, refuse new requests. */
  void startDraining() {
    draining = true;
    // Open WebSockets would hold their handlers until the drain timeout: ask them to end now.
    for (WorkerStream stream : streams.all()) {
      WebSocketSession session = stream.webSocket();
      if (session != null) {
        session.closeIfOpen(GOING_AWAY, "worker shutting down");
      }
    }
  }

  /**
   * Whether acknowledged requests still wait for their start. A draining worker runs them once it
   * comes (the router sends it at once): refused instead, one whose body streams would fail, as the
   * router cannot send it again.
   */
  boolean isAwaitingStart() {
    return !awaitingStart.isEmpty();
  }

  /** Refuses what still waits for its start: it never ran, so another worker may run it. */
  void giveUpAwaitingStart() {
    for (AwaitingStart.Entry waiting : awaitingStart.takeAll()) {
      giveUp(waiting, "worker is shutting down");
    }
  }

  /** The worker stops: every open stream is cancelled. */
  void cancelAll(String reason) {
    List<WorkerStream> all = new java.util.ArrayList<>(streams.all());
    streams.clear();
    for (WorkerStream stream : all) {
      stream.cancel(reason);
      releaseIfAwaitingStart(stream.key());
    }
  }

  /** Streams on {@code path} whose response has not been sent in full. */
  int openStreamsOn(ReplyPath path) {
    return streams.countOn(path);
  }

  /** Streams whose response has not been sent in full. */
  int openStreams() {
    return streams.size();
  }
}
