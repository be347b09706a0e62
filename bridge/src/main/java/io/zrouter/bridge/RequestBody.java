package io.zrouter.bridge;

import io.zrouter.worker.Request;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpRequest.BodyPublisher;
import java.net.http.HttpRequest.BodyPublishers;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The client's request body as the JDK client pulls it: streamed from {@link Request#body()} as the
 * upstream connection takes it, never held whole. The JDK client reads it on its own threads, a
 * buffer at a time, only as fast as it writes to the upstream; the SDK grants the router credit as
 * it is read, so the client is slowed to the upstream's pace.
 */
final class RequestBody {
  private final Request request;
  private final AtomicBoolean opened = new AtomicBoolean();
  private final CompletableFuture<Void> sent = new CompletableFuture<>();

  RequestBody(Request request) {
    this.request = request;
    if (request.contentLength() == 0) {
      sent.complete(null);
    }
  }

  /**
   * What the JDK client sends: nothing for an empty body, a {@code content-length} body when the
   * length is known, else a chunked one.
   */
  BodyPublisher publisher() {
    long length = request.contentLength();
    if (length == 0) {
      return BodyPublishers.noBody();
    }
    BodyPublisher stream = BodyPublishers.ofInputStream(this::open);
    return length > 0 ? BodyPublishers.fromPublisher(stream, length) : stream;
  }

  /** Completes once the whole body was read (handed to the upstream connection). */
  CompletableFuture<Void> sent() {
    return sent;
  }

  /**
   * The body, once. The JDK client asks again only to retry a request on a new connection, and the
   * part it read is gone: that retry fails instead of sending a body with its start missing.
   */
  private InputStream open() {
    if (!opened.compareAndSet(false, true)) {
      return new InputStream() {
        @Override
        public int read() throws IOException {
          throw new IOException("the request body was already sent once; it cannot be sent again");
        }
      };
    }
    long length = request.contentLength();
    return new FilterInputStream(request.body()) {
      private long read;

      @Override
      public int read() throws IOException {
        int b = super.read();
        counted(b < 0 ? -1 : 1);
        return b;
      }

      @Override
      public int read(byte[] buffer, int off, int len) throws IOException {
        int n = super.read(buffer, off, len);
        counted(n);
        return n;
      }

      /** The end, or the declared length (the JDK client need not read on to the end). */
      private void counted(int n) {
        if (n < 0 || (read += n) == length) {
          sent.complete(null);
        }
      }
    };
  }
}
