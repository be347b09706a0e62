package io.zrouter.worker.internal;

import java.io.IOException;
import java.io.OutputStream;

/**
 * The streaming response body: buffers up to {@link WorkerResponse#MAX_FRAME_DATA} bytes and sends
 * a body frame when the buffer fills or on {@link #flush()}; {@link #close()} ends the response.
 * Shares the response's monitor, so head, body and end never interleave.
 *
 * <p>The buffer starts small and doubles as bytes come: most bodies are small, and a fresh 64 KiB
 * array per response (zeroed by the JVM) was a tenth of a worker's IO thread echoing 1 KiB POSTs.
 */
final class ResponseBodyStream extends OutputStream {
  private static final int INITIAL_BUFFER = 4 * 1024;

  private final WorkerResponse response;
  private final WorkerStream stream;
  private byte[] buffer;
  private int count;
  private boolean written;
  private boolean closed;

  ResponseBodyStream(WorkerResponse response, WorkerStream stream) {
    this.response = response;
    this.stream = stream;
  }

  @Override
  public void write(int b) throws IOException {
    synchronized (response) {
      ensureOpen();
      byte[] buf = room(1);
      buf[count++] = (byte) b;
      written = true;
      if (count == WorkerResponse.MAX_FRAME_DATA) {
        sendBuffer();
      }
    }
  }

  @Override
  public void write(byte[] b, int off, int len) throws IOException {
    java.util.Objects.checkFromIndexSize(off, len, b.length);
    synchronized (response) {
      ensureOpen();
      while (len > 0) {
        byte[] buf = room(len);
        int n = Math.min(len, buf.length - count);
        System.arraycopy(b, off, buf, count, n);
        count += n;
        off += n;
        len -= n;
        written = true;
        if (count == WorkerResponse.MAX_FRAME_DATA) {
          sendBuffer();
        }
      }
    }
  }

  /** Sends what is buffered now; the first flush also sends the head. */
  @Override
  public void flush() throws IOException {
    synchronized (response) {
      if (closed) {
        return;
      }
      stream.ensureOpen();
      sendBuffer();
    }
  }

  /** Sends what is buffered and ends the response. Idempotent. */
  @Override
  public void close() throws IOException {
    synchronized (response) {
      if (closed) {
        return;
      }
      closed = true;
      int n = count;
      count = 0;
      response.finishBody(buffer == null ? new byte[0] : buffer, n);
      buffer = null;
    }
  }

  /** Whether any byte was ever written. */
  boolean hasWritten() {
    synchronized (response) {
      return written;
    }
  }

  /** The response failed: forget buffered bytes and refuse further writes. */
  void discard() {
    synchronized (response) {
      closed = true;
      count = 0;
      buffer = null;
    }
  }

  private void sendBuffer() throws IOException {
    int n = count;
    count = 0; // the buffer is reusable once writeChunk returns: the frame is already encoded
    try {
      response.writeChunk(buffer, n);
    } catch (IOException e) {
      // A body that lost bytes must never end as if whole: close() (try-with-resources) then
      // does nothing, and the handler's failure resets the stream.
      discard();
      throw e;
    }
  }

  /**
   * The buffer, grown (doubling, up to a frame's worth) so it has room for {@code wanted} more
   * bytes or is a whole frame. Never full on return: a full frame was sent.
   */
  private byte[] room(int wanted) {
    int max = WorkerResponse.MAX_FRAME_DATA;
    if (buffer == null) {
      buffer = new byte[Math.min(max, Math.max(INITIAL_BUFFER, wanted))];
    } else if (buffer.length - count < wanted && buffer.length < max) {
      int size = Math.min(max, Math.max(buffer.length * 2, count + wanted));
      buffer = java.util.Arrays.copyOf(buffer, size);
    }
    return buffer;
  }

  private void ensureOpen() throws IOException {
    if (closed || response.isEnded()) {
      throw new IOException("response body closed");
    }
    stream.ensureOpen();
  }
}
