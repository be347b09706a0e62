package io.zrouter.router.frontend;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.LastHttpContent;
import io.zrouter.proto.FrameCodec;
import io.zrouter.router.stream.UpstreamControl;
import java.util.ArrayDeque;

/**
 * The request body of one exchange on its way from the client to the worker, under the worker's
 * credit. Event loop only.
 *
 * <p>Before dispatch it collects the body; up to one window of it travels in the dispatched message
 * ({@link #takeFirstPart()}). The rest follows as body frames on the addressed path once the worker
 * has accepted the stream, never more than the credit it granted. Bytes waiting for credit stay
 * here; past {@link #PAUSE_AT} of them the client is no longer read, so TCP (or the HTTP/2 stream
 * window) slows it down: a fast client uploading to a slow handler costs at most a window here.
 */
final class RequestBodyRelay {
  /** Waiting bytes above which reading from the client pauses. */
  static final int PAUSE_AT = 64 * 1024;

  private final long streamId;
  private final UpstreamControl upstream;
  private final ReadGate gate;
  private final ArrayDeque<ByteBuf> waiting = new ArrayDeque<>();
  private long waitingBytes;
  private long received;

  /** Body bytes sent to the worker so far, first part included: the next frame's offset. */
  private long sent;

  private long credit = FrameCodec.INITIAL_WINDOW;
  private boolean ended;
  private boolean endSent;
  private boolean accepted;
  private boolean closed;

  RequestBodyRelay(long streamId, UpstreamControl upstream, ReadGate gate) {
    this.streamId = streamId;
    this.upstream = upstream;
    this.gate = gate;
  }

  /** Body bytes from the client; the content stays the caller's to release. */
  void offer(HttpContent content) {
    if (closed) {
      return;
    }
    ByteBuf data = content.content();
    if (data.isReadable()) {
      received += data.readableBytes();
      waitingBytes += data.readableBytes();
      waiting.add(data.retainedSlice());
    }
    if (content instanceof LastHttpContent) {
      ended = true;
    }
    pump();
  }

  /** Body bytes received from the client so far. */
  long received() {
    return received;
  }

  /** Whether the client's body is complete. */
  boolean isEnded() {
    return ended;
  }

  /** Whether a window's worth waits: time to dispatch without waiting for more. */
  boolean hasFirstPartReady() {
    return ended || waitingBytes >= credit;
  }

  /**
   * The body bytes that go out with the dispatched message: those that arrived since it was last
   * built, up to what is left of the window. Called at dispatch, and again each time a worker
   * refuses the request before its body ended, so a worker that only takes whole requests can take
   * it once its body fits the window. The caller releases the buffer.
   */
  FirstPart takeFirstPart() {
    long offset = sent;
    int length = (int) Math.min(waitingBytes, credit);
    ByteBuf more = take(length);
    credit -= length;
    sent += length;
    boolean complete = ended && waiting.isEmpty();
    endSent = complete;
    updateGate();
    return new FirstPart(more, complete, offset);
  }

  /**
   * Body bytes that go with the dispatched message.
   *
   * @param data the bytes
   * @param complete no body frame follows them
   * @param offset where in the body they start
   */
  record FirstPart(ByteBuf data, boolean complete, long offset) {}

  /** The worker took the stream: follow-ups can reach it now. */
  void onAccepted() {
    accepted = true;
    pump();
  }

  /** The worker read this many more bytes. */
  void onCredit(int bytes) {
    credit += bytes;
    pump();
  }

  /** The exchange is over: drop what waits, and let the client be read again. */
  void close() {
    closed = true;
    ByteBuf b;
    while ((b = waiting.poll()) != null) {
      b.release();
    }
    waitingBytes = 0;
    gate.resume(ReadGate.Reason.UPLOAD_CREDIT);
  }

  private void pump() {
    if (accepted && !closed) {
      while (credit > 0 && !waiting.isEmpty()) {
        int length =
            (int)
                Math.min(
                    Math.min(credit, RequestEncoder.MAX_BODY_FRAME),
                    waiting.peek().readableBytes());
        ByteBuf chunk = take(length);
        try {
          boolean last = ended && waiting.isEmpty();
          send(chunk, last);
        } finally {
          chunk.release();
        }
        credit -= length;
      }
      if (ended && waiting.isEmpty() && !endSent) {
        send(Unpooled.EMPTY_BUFFER, true);
      }
    }
    updateGate();
  }

  private void send(ByteBuf chunk, boolean last) {
    upstream.sendFollowUp(
        streamId,
        RequestEncoder.encodeBody(
            streamId, sent, chunk, chunk.readerIndex(), chunk.readableBytes(), last));
    sent += chunk.readableBytes();
    endSent |= last;
  }

  /** Takes {@code length} bytes off the front, as one buffer the caller releases. */
  private ByteBuf take(int length) {
    if (length == 0) {
      return Unpooled.EMPTY_BUFFER;
    }
    waitingBytes -= length;
    ByteBuf head = waiting.peek();
    if (head.readableBytes() > length) {
      return head.readRetainedSlice(length);
    }
    if (head.readableBytes() == length) {
      return waiting.poll();
    }
    var composite = Unpooled.compositeBuffer(Integer.MAX_VALUE);
    int left = length;
    while (left > 0) {
      ByteBuf next = waiting.peek();
      if (next.readableBytes() <= left) {
        left -= next.readableBytes();
        composite.addComponent(true, waiting.poll());
      } else {
        composite.addComponent(true, next.readRetainedSlice(left));
        left = 0;
      }
    }
    return composite;
  }

  /**
   * Before a worker accepts the stream, up to the rest of the window may wait here, so a refused
   * request can go out again with its body whole; after, {@link #PAUSE_AT}.
   */
  private void updateGate() {
    long pauseAt = accepted ? PAUSE_AT : Math.max(PAUSE_AT, credit);
    if (!closed && waitingBytes >= pauseAt && !ended) {
      gate.pause(ReadGate.Reason.UPLOAD_CREDIT);
    } else {
      gate.resume(ReadGate.Reason.UPLOAD_CREDIT);
    }
  }
}
