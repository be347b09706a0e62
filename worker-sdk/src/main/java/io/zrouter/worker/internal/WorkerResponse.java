package io.zrouter.worker.internal;

import io.zrouter.proto.Frame;
import io.zrouter.proto.FrameCodec;
import io.zrouter.proto.Header;
import io.zrouter.proto.Reset;
import io.zrouter.proto.ResetReason;
import io.zrouter.proto.Trailers;
import io.zrouter.worker.Response;
import io.zrouter.worker.WebSocket;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * {@link Response} that turns the handler's calls into frames of its stream.
 *
 * <p>All state is guarded by this object's monitor, which {@link ResponseBodyStream} shares. Frames
 * are encoded on the calling thread, so a body buffer wrapped without a copy is free to be reused
 * as soon as {@link WorkerStream#send} returns.
 */
final class WorkerResponse implements Response {
  /** Most body bytes in one frame. */
  static final int MAX_FRAME_DATA = 64 * 1024;

  /** Body bytes {@link #send(byte[])} queues in one batch. */
  private static final int SEND_BATCH_BYTES = 1 << 20;

  private static final byte[] INTERNAL_ERROR_BODY =
      "internal error\n".getBytes(StandardCharsets.US_ASCII);
  private static final String TEXT_PLAIN = "text/plain; charset=utf-8";

  private final WorkerStream stream;
  private final String workerId;
  private final boolean headRequest;

  /** The head's headers, names and values in turn (name, value, name, value...). */
  private final List<String> headers = new ArrayList<>();

  private final List<Header> trailers = new ArrayList<>();
  private int status = 200;
  private volatile boolean committed;
  private boolean ended;
  private ResponseBodyStream body;

  WorkerResponse(WorkerStream stream, String workerId, boolean headRequest) {
    this.stream = stream;
    this.workerId = workerId;
    this.headRequest = headRequest;
  }

  @Override
  public synchronized Response status(int status) {
    checkNotCommitted();
    if (status < 200 || status > 599) {
      throw new IllegalArgumentException("status must be in 200..599: " + status);
    }
    this.status = status;
    return this;
  }

  @Override
  public synchronized Response header(String name, String value) {
    checkNotCommitted();
    String wireName = checkName(name);
    String wireValue = checkValue(name, value); // both checked before either is kept
    addHeader(wireName, wireValue);
    return this;
  }

  @Override
  public synchronized Response trailer(String name, String value) {
    if (ended) {
      throw new IllegalStateException("response already ended");
    }
    trailers.add(wireHeader(checkName(name), checkValue(name, value)));
    return this;
  }

  @Override
  public synchronized OutputStream body() {
    if (body == null) {
      body = new ResponseBodyStream(this, stream);
    }
    return body;
  }

  @Override
  public synchronized void send(byte[] data) {
    checkNotCommitted();
    if (body != null && body.hasWritten()) {
      throw new IllegalStateException("body bytes were already written");
    }
    removeHeader("content-length");
    if (status != 204 && status != 304 && trailers.isEmpty()) {
      addHeader("content-length", Integer.toString(data.length));
    }
    committed = true;
    boolean endsWithBody = trailers.isEmpty();
    try {
      // one batch (one wake-up, usually one message) per MiB; larger bodies feel back-pressure
      List<WorkerStream.Encoded> batch = new ArrayList<>(2);
      batch.add(head(data.length == 0 && endsWithBody));
      int batchBytes = 0;
      for (int off = 0; off < data.length; off += MAX_FRAME_DATA) {
        int n = Math.min(MAX_FRAME_DATA, data.length - off);
        batch.add(bodyFrame(data, off, n, endsWithBody && off + n == data.length));
        batchBytes += n;
        if (batchBytes >= SEND_BATCH_BYTES) {
          stream.sendEncoded(batch);
          batch = new ArrayList<>();
          batchBytes = 0;
        }
      }
      if (!endsWithBody) {
        batch.add(trailersFrame());
      }
      if (!batch.isEmpty()) {
        stream.sendEncoded(batch);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    ended = true;
  }

  @Override
  public synchronized void send(String text) {
    if (!hasHeader("content-type")) {
      header("content-type", TEXT_PLAIN);
    }
    send(text.getBytes(StandardCharsets.UTF_8));
  }

  @Override
  public synchronized void end() {
    try {
      finish();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public synchronized WebSocket acceptWebSocket(String subprotocol) {
    checkNotCommitted();
    WebSocketSession session = stream.webSocket();
    if (session == null) {
      throw new IllegalStateException("the request did not ask for a websocket");
    }
    try {
      session.accept(wireHeaders(), subprotocol);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    committed = true;
    ended = true; // the stream goes on as the session's, not as a response body
    return session;
  }

  @Override
  public boolean isCommitted() {
    return committed;
  }

  /** Whether the end of the stream (or a reset) was sent. */
  synchronized boolean isEnded() {
    return ended;
  }

  /** Ends the response if the handler did not: flushes what is buffered and ends the stream. */
  synchronized void finish() throws IOException {
    if (ended) {
      return;
    }
    if (body != null) {
      body.close();
    } else {
      finishBody(new byte[0], 0);
    }
  }

  /**
   * The handler failed: a 500 when nothing was sent yet, else a reset.
   *
   * @return false when the response had already ended and nothing could be said
   */
  synchronized boolean fail() throws IOException {
    if (ended) {
      return false;
    }
    ended = true;
    if (body != null) {
      body.discard();
    }
    if (!committed) {
      committed = true;
      status = 500;
      headers.clear();
      addHeader("content-type", TEXT_PLAIN);
      addHeader("content-length", Integer.toString(INTERNAL_ERROR_BODY.length));
      if (!stream.requestId().isEmpty()) {
        addHeader("x-request-id", stream.requestId());
      }
      addHeader("x-worker-id", workerId);
      stream.sendEncoded(
          List.of(
              head(false), bodyFrame(INTERNAL_ERROR_BODY, 0, INTERNAL_ERROR_BODY.length, true)));
    } else {
      Reset reset =
          Reset.newBuilder()
              .setReason(ResetReason.RESET_REASON_INTERNAL_ERROR)
              .setMessage("handler failed")
              .build();
      stream.send(List.of(Frame.newBuilder().setStreamId(stream.id()).setReset(reset).build()));
    }
    return true;
  }

  /** Body stream: send buffered bytes now, with the head first if it is still pending. */
  void writeChunk(byte[] buffer, int length) throws IOException {
    if (ended) {
      throw new IOException("response already ended");
    }
    List<WorkerStream.Encoded> frames = new ArrayList<>(2);
    if (!committed) {
      frames.add(head(false));
    }
    if (length > 0) {
      frames.add(bodyFrame(buffer, 0, length, false));
    }
    if (!frames.isEmpty()) {
      committed = true;
      stream.sendEncoded(frames);
    }
  }

  /**
   * Body stream closing: send the last bytes and end the stream. A body that never left the buffer
   * goes out with its {@code content-length}, head and body in one batch.
   */
  void finishBody(byte[] buffer, int length) throws IOException {
    if (ended) {
      return;
    }
    List<WorkerStream.Encoded> frames = new ArrayList<>(3);
    boolean endsWithBody = trailers.isEmpty();
    if (!committed) {
      if (mayAddContentLength()) {
        addHeader("content-length", Integer.toString(length));
      }
      frames.add(head(length == 0 && endsWithBody));
      if (length > 0) {
        frames.add(bodyFrame(buffer, 0, length, endsWithBody));
      }
    } else if (length > 0 || endsWithBody) {
      frames.add(bodyFrame(buffer, 0, length, endsWithBody));
    }
    if (!endsWithBody) {
      frames.add(trailersFrame());
    }
    committed = true;
    ended = true;
    stream.sendEncoded(frames);
  }

  private boolean mayAddContentLength() {
    return trailers.isEmpty()
        && !headRequest
        && status != 204
        && status != 304
        && !hasHeader("content-length")
        && !hasHeader("transfer-encoding");
  }

  private boolean hasHeader(String name) {
    for (int i = 0, n = headers.size(); i < n; i += 2) {
      if (headers.get(i).equals(name)) {
        return true;
      }
    }
    return false;
  }

  private void addHeader(String name, String value) {
    headers.add(name);
    headers.add(value);
  }

  private void removeHeader(String name) {
    for (int i = headers.size() - 2; i >= 0; i -= 2) {
      if (headers.get(i).equals(name)) {
        headers.subList(i, i + 2).clear();
      }
    }
  }

  /** The head's headers as protobuf messages (for the rare 101, which is built the slow way). */
  private List<Header> wireHeaders() {
    List<Header> wire = new ArrayList<>(headers.size() / 2);
    for (int i = 0, n = headers.size(); i < n; i += 2) {
      wire.add(wireHeader(headers.get(i), headers.get(i + 1)));
    }
    return wire;
  }

  private WorkerStream.Encoded trailersFrame() {
    return WorkerStream.Encoded.of(
        Frame.newBuilder()
            .setStreamId(stream.id())
            .setTrailers(Trailers.newBuilder().addAllHeaders(trailers))
            .build());
  }

  private WorkerStream.Encoded head(boolean endStream) {
    byte[] bytes = ResponseFrameWriter.head(stream.id(), status, headers, endStream);
    return new WorkerStream.Encoded(bytes, 0, false, endStream);
  }

  /** Copies the bytes into the frame: the caller may reuse the array once this returns. */
  private WorkerStream.Encoded bodyFrame(byte[] data, int off, int len, boolean endStream) {
    byte[] bytes = ResponseFrameWriter.body(stream.id(), data, off, len, endStream);
    return new WorkerStream.Encoded(bytes, len, len > 0, endStream);
  }

  private void checkNotCommitted() {
    if (committed) {
      throw new IllegalStateException("response head already sent");
    }
  }

  private static Header wireHeader(String name, String value) {
    return Header.newBuilder().setName(name).setValue(value).build();
  }

  private static String checkName(String name) {
    if (name == null || name.isEmpty()) {
      throw new IllegalArgumentException("header name is empty");
    }
    if (!FrameCodec.isToken(name)) {
      throw new IllegalArgumentException("header name is not a token: " + name);
    }
    return name.toLowerCase(Locale.ROOT); // the same String when it is lower case already
  }

  private static String checkValue(String name, String value) {
    if (value == null) {
      throw new IllegalArgumentException("header value is null: " + name);
    }
    if (!FrameCodec.isHeaderValue(value)) {
      throw new IllegalArgumentException("illegal character in header " + name);
    }
    return value;
  }
}
