package io.zrouter.worker.internal;

import com.google.protobuf.ByteOutput;
import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import io.zrouter.proto.FrameCodec;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.function.IntConsumer;

/**
 * The request body as a blocking {@link InputStream}, fed by the IO thread.
 *
 * <p>Chunks are views of the received message parts (no copy). Reads block until a chunk arrives,
 * the body ends ({@code -1}) or the stream is aborted (the abort cause is thrown).
 */
final class RequestBodyStream extends InputStream {
  /** Credit is returned in steps of this many bytes read, not per read. */
  static final int CREDIT_STEP = FrameCodec.INITIAL_WINDOW / 4;

  private final ArrayDeque<ByteBuffer> chunks = new ArrayDeque<>();
  private final IntConsumer credit;
  private int readSinceCredit;
  private boolean ended;
  private boolean closed;
  private IOException failure;

  /** {@code credit}: told of bytes read, in steps, while more body may still come. */
  RequestBodyStream(IntConsumer credit) {
    this.credit = credit;
  }

  /** IO thread: more body bytes arrived. */
  synchronized void append(ByteString data) {
    if (data.isEmpty() || closed || failure != null) {
      return;
    }
    chunks.add(view(data));
    notifyAll();
  }

  /**
   * The bytes of {@code data} as a buffer over the array they live in, not a copy: {@code
   * asReadOnlyByteBuffer()} would do, but hides the array that {@link #transferTo} hands on.
   */
  private static ByteBuffer view(ByteString data) {
    ByteBuffer[] view = new ByteBuffer[1];
    try {
      UnsafeByteOperations.unsafeWriteTo(
          data,
          new ByteOutput() {
            @Override
            public void write(byte value) {
              throw new UnsupportedOperationException();
            }

            @Override
            public void write(byte[] value, int offset, int length) {
              throw new UnsupportedOperationException(); // the caller may reuse it: copy
            }

            @Override
            public void writeLazy(byte[] value, int offset, int length) {
              if (view[0] != null) {
                throw new UnsupportedOperationException(); // a rope: not one array
              }
              view[0] = ByteBuffer.wrap(value, offset, length);
            }

            @Override
            public void write(ByteBuffer value) {
              throw new UnsupportedOperationException();
            }

            @Override
            public void writeLazy(ByteBuffer value) {
              throw new UnsupportedOperationException();
            }
          });
    } catch (IOException | UnsupportedOperationException e) {
      return ByteBuffer.wrap(data.toByteArray()); // not backed by one array: copy it
    }
    return view[0] == null ? ByteBuffer.wrap(data.toByteArray()) : view[0];
  }

  /** IO thread: the body is complete. */
  synchronized void end() {
    ended = true;
    notifyAll();
  }

  /** Any thread: make pending and later reads fail with {@code cause}, unless already ended. */
  synchronized void abort(IOException cause) {
    if (!ended && failure == null) {
      failure = cause;
      chunks.clear();
      notifyAll();
    }
  }

  @Override
  public synchronized int read() throws IOException {
    ByteBuffer chunk = awaitChunk();
    if (chunk == null) {
      return -1;
    }
    consumed(1);
    return chunk.get() & 0xFF;
  }

  @Override
  public synchronized int read(byte[] b, int off, int len) throws IOException {
    java.util.Objects.checkFromIndexSize(off, len, b.length);
    if (len == 0) {
      return 0;
    }
    ByteBuffer chunk = awaitChunk();
    if (chunk == null) {
      return -1;
    }
    int read = 0;
    while (chunk != null && read < len) {
      int n = Math.min(chunk.remaining(), len - read);
      chunk.get(b, off + read, n);
      read += n;
      chunk = nextAvailable();
    }
    consumed(read);
    return read;
  }

  /**
   * Hands each chunk to {@code out} as it is, instead of through the 8 KiB buffer {@link
   * InputStream#transferTo} would allocate and copy into: {@code out} gets the received message
   * part's own array, which, as {@link OutputStream#write(byte[], int, int)} requires, it must not
   * change. The chunk is taken under the monitor and written outside it: writing may wait for
   * response credit, which the IO thread delivers, and the IO thread needs the monitor to feed this
   * stream.
   */
  @Override
  public long transferTo(OutputStream out) throws IOException {
    java.util.Objects.requireNonNull(out, "out");
    long transferred = 0;
    while (true) {
      ByteBuffer chunk;
      synchronized (this) {
        chunk = awaitChunk();
        if (chunk == null) {
          return transferred;
        }
        chunks.poll();
        consumed(chunk.remaining());
      }
      out.write(chunk.array(), chunk.arrayOffset() + chunk.position(), chunk.remaining());
      transferred += chunk.remaining();
    }
  }

  @Override
  public synchronized int available() {
    long total = 0;
    for (ByteBuffer chunk : chunks) {
      total += chunk.remaining();
    }
    return (int) Math.min(Integer.MAX_VALUE, total);
  }

  @Override
  public synchronized void close() {
    closed = true;
    chunks.clear();
    notifyAll();
  }

  /** Returns credit for what the handler read, once a step's worth; none after the body ended. */
  private void consumed(int bytes) {
    readSinceCredit += bytes;
    if (readSinceCredit >= CREDIT_STEP && !ended) {
      credit.accept(readSinceCredit);
      readSinceCredit = 0;
    }
  }

  /** The first chunk with bytes, waiting for one; null at the end of the body. */
  private ByteBuffer awaitChunk() throws IOException {
    while (true) {
      if (closed) {
        throw new IOException("request body closed");
      }
      ByteBuffer chunk = nextAvailable();
      if (chunk != null) {
        return chunk;
      }
      if (failure != null) {
        throw new IOException(failure.getMessage(), failure);
      }
      if (ended) {
        return null;
      }
      try {
        wait();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new InterruptedIOException("interrupted while reading the request body");
      }
    }
  }

  /** The first chunk with bytes left, discarding used ones; null when none is queued. */
  private ByteBuffer nextAvailable() {
    ByteBuffer chunk;
    while ((chunk = chunks.peek()) != null && !chunk.hasRemaining()) {
      chunks.poll();
    }
    return chunk;
  }
}
