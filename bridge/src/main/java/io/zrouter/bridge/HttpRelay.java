package io.zrouter.bridge;

import io.zrouter.worker.Request;
import io.zrouter.worker.Response;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.time.Duration;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Relays one plain HTTP request: sends it upstream with its body streaming, waits for the response
 * head, and streams the response body back.
 *
 * <p>Failures before anything reached the client become the bridge's own answers ({@link
 * LocalReply}): 502 when the upstream refused or broke the connection, 504 when its head did not
 * come within the timeout. A failure after the head went out is thrown, and the SDK resets the
 * stream: the client never sees a truncated body as a success. A client that goes away stops the
 * upstream request ({@link CancelWatch}, and the failed write).
 */
final class HttpRelay {
  private static final Logger log = LoggerFactory.getLogger(HttpRelay.class);

  /** Response bytes read from the upstream at once, the SDK's frame size. */
  private static final int CHUNK = 64 * 1024;

  private final HttpClient client;
  private final UpstreamTarget target;
  private final Duration timeout;
  private final CancelWatch cancelWatch;
  private final Runnable upstreamSuspect;

  /**
   * @param timeout how long the response head may take once the request body was sent
   * @param upstreamSuspect told when the upstream refused a connection (a health check is due)
   */
  HttpRelay(
      HttpClient client,
      UpstreamTarget target,
      Duration timeout,
      CancelWatch cancelWatch,
      Runnable upstreamSuspect) {
    this.client = client;
    this.target = target;
    this.timeout = timeout;
    this.cancelWatch = cancelWatch;
    this.upstreamSuspect = upstreamSuspect;
  }

  void relay(Request request, Response response) throws Exception {
    RequestBody body = new RequestBody(request);
    HttpRequest.Builder upstreamRequest;
    try {
      URI uri = target.http(request.target());
      upstreamRequest = HttpRequest.newBuilder(uri).method(request.method(), body.publisher());
    } catch (IllegalArgumentException e) {
      // e.g. OPTIONS *, or a method the JDK client will not send (CONNECT)
      log.warn(
          "request cannot go upstream: request_id = {} reason = {}",
          request.requestId(),
          e.getMessage());
      LocalReply.badRequest(response, "request cannot be relayed");
      return;
    }
    UpstreamHeaders.copyRequest(request, upstreamRequest::header);

    CompletableFuture<HttpResponse<InputStream>> exchange =
        client.sendAsync(upstreamRequest.build(), BodyHandlers.ofInputStream());
    try (CancelWatch.Watched watched = cancelWatch.watch(request)) {
      watched.onCancel(() -> exchange.cancel(true));
      HttpResponse<InputStream> upstream = awaitHead(request, response, exchange, body);
      if (upstream == null) {
        return; // answered, or the client is gone
      }
      try (InputStream in = upstream.body()) {
        // closing it early aborts the upstream connection: the upstream stops producing
        watched.onCancel(() -> closeAbandoned(in));
        copy(request, upstream, in, response);
      }
    }
  }

  /**
   * The upstream's response head; null when this answered for it (502, 504) or the client left.
   * There is no limit while the request body streams (the router's own request timeout bounds a
   * client that stalls), then {@link #timeout}.
   */
  private HttpResponse<InputStream> awaitHead(
      Request request,
      Response response,
      CompletableFuture<HttpResponse<InputStream>> exchange,
      RequestBody body)
      throws Exception {
    try {
      CompletableFuture.anyOf(exchange, body.sent()).get();
      return exchange.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
    } catch (CancellationException e) {
      return null; // the watch cancelled it: the client left
    } catch (InterruptedException e) {
      exchange.cancel(true); // the worker stops this handler (its drain timed out)
      throw e;
    } catch (TimeoutException e) {
      exchange.cancel(true);
      log.warn(
          "upstream did not answer in time: request_id = {} timeout_ms = {}",
          request.requestId(),
          timeout.toMillis());
      LocalReply.gatewayTimeout(response, "upstream did not answer in time");
      return null;
    } catch (ExecutionException e) {
      if (request.isCancelled()) {
        return null; // the client left: its body read failed, or the watch cancelled the exchange
      }
      Throwable cause = unwrap(e.getCause());
      if (cause instanceof ConnectException || cause instanceof HttpConnectTimeoutException) {
        log.warn(
            "cannot connect to the upstream: request_id = {} upstream = {} cause = {}",
            request.requestId(),
            target.upstream(),
            cause.toString());
        upstreamSuspect.run();
        LocalReply.badGateway(response, "cannot connect to the upstream");
        return null;
      }
      if (cause instanceof IOException) {
        log.warn(
            "upstream failed before its response: request_id = {} cause = {}",
            request.requestId(),
            cause.toString());
        LocalReply.badGateway(response, "upstream closed the connection before responding");
        return null;
      }
      throw e; // not the upstream's doing: the SDK answers 500
    }
  }

  /**
   * The upstream's answer to the client. A body of known length up to {@value #CHUNK} bytes is read
   * first and sent with the head in one go (most answers); any other streams: the head goes out at
   * once when no body bytes are ready yet (a slow or endless stream shows its head early), else
   * with the first bytes, and each burst of bytes is flushed as soon as the upstream has no more
   * ready, so a trickling stream is not held back to fill a frame. Either way the body is read to
   * its end, so its connection goes back to the pool.
   */
  private void copy(
      Request request, HttpResponse<InputStream> upstream, InputStream in, Response response)
      throws IOException {
    int status = upstream.statusCode();
    if (status < 200 || status > 599) {
      log.warn(
          "upstream answered a status the bridge cannot relay: request_id = {} status = {}",
          request.requestId(),
          status);
      LocalReply.badGateway(response, "upstream answered status " + status);
      return;
    }
    boolean noBody = request.method().equals("HEAD") || status == 204 || status == 304;
    long length = noBody ? 0 : upstream.headers().firstValueAsLong("content-length").orElse(-1);
    if (length >= 0 && length <= CHUNK) {
      byte[] body;
      try {
        body = in.readNBytes((int) length);
        if (body.length < length || in.read() >= 0) {
          throw new IOException(
              "body of " + body.length + " bytes, not the " + length + " declared");
        }
      } catch (IOException e) {
        log.warn(
            "upstream failed in its body: request_id = {} cause = {}",
            request.requestId(),
            e.toString());
        LocalReply.badGateway(response, "upstream failed in its response body");
        return;
      }
      response.status(status);
      UpstreamHeaders.copyResponse(upstream.headers(), response, request.requestId());
      try (OutputStream out = response.body()) {
        out.write(body); // head, body and end in one batch, with the upstream's content-length
      }
      return;
    }
    byte[] buffer = new byte[CHUNK];
    int n;
    try {
      n = in.available() > 0 ? in.read(buffer) : 0;
    } catch (IOException e) {
      log.warn(
          "upstream failed before its body: request_id = {} cause = {}",
          request.requestId(),
          e.toString());
      LocalReply.badGateway(response, "upstream failed before its response body");
      return;
    }
    response.status(status);
    UpstreamHeaders.copyResponse(upstream.headers(), response, request.requestId());
    OutputStream out = response.body();
    if (n > 0) {
      out.write(buffer, 0, n);
    }
    out.flush(); // the head, and what was there: the response has started
    while (n >= 0) {
      try {
        n = in.read(buffer);
      } catch (IOException e) {
        if (request.isCancelled()) {
          return; // the watch closed it: the client left
        }
        throw new IOException("upstream failed after the response started: " + e, e);
      }
      if (n > 0) {
        out.write(buffer, 0, n);
        if (in.available() == 0) {
          out.flush();
        }
      }
    }
    out.close();
  }

  /** Closes an upstream body the relay abandons: for HTTP/1.1 this closes its connection. */
  private static void closeAbandoned(InputStream in) {
    try {
      in.close();
    } catch (IOException ignored) {
      // closing is all that was asked; the connection is dropped either way
    }
  }

  private static Throwable unwrap(Throwable t) {
    while (t instanceof CompletionException && t.getCause() != null) {
      t = t.getCause();
    }
    return t;
  }
}
