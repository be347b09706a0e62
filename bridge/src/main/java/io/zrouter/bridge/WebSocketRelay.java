package io.zrouter.bridge;

import io.zrouter.worker.Request;
import io.zrouter.worker.Response;
import io.zrouter.worker.WebSocket;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.WebSocketHandshakeException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Relays a WebSocket: opens one to the upstream with the subprotocols the client offered, accepts
 * the client's with the one the upstream chose, then pumps whole messages both ways until either
 * side closes, and closes the other with the same code.
 *
 * <p>Client to upstream runs on the handler thread ({@link WebSocket#receive()}, then a send the
 * thread waits for); upstream to client runs in the JDK client's listener, which asks for the next
 * message only once the last one was handed to the SDK, so each side is paced by the other. A
 * message is at most {@value #MAX_MESSAGE} bytes, as the router allows a client's; a bigger one
 * from the upstream closes both sides with 1009.
 */
final class WebSocketRelay {
  private static final Logger log = LoggerFactory.getLogger(WebSocketRelay.class);

  static final int MAX_MESSAGE = 1 << 20;

  private static final int NORMAL = 1000;
  private static final int GOING_AWAY = 1001;
  private static final int NO_STATUS = 1005;
  private static final int TOO_BIG = 1009;
  private static final int INTERNAL_ERROR = 1011;

  private final HttpClient client;
  private final UpstreamTarget target;
  private final Duration timeout;

  /**
   * @param timeout how long the upstream's handshake, and its close after ours, may take
   */
  WebSocketRelay(HttpClient client, UpstreamTarget target, Duration timeout) {
    this.client = client;
    this.target = target;
    this.timeout = timeout;
  }

  void relay(Request request, Response response) throws Exception {
    URI uri;
    try {
      uri = target.webSocket(request.target());
    } catch (IllegalArgumentException e) {
      log.warn(
          "request cannot go upstream: request_id = {} reason = {}",
          request.requestId(),
          e.getMessage());
      LocalReply.badRequest(response, "request cannot be relayed");
      return;
    }
    java.net.http.WebSocket.Builder builder = client.newWebSocketBuilder().connectTimeout(timeout);
    UpstreamHeaders.copyWebSocketRequest(request, builder::header);
    List<String> offered = offeredSubprotocols(request);
    if (!offered.isEmpty()) {
      builder.subprotocols(
          offered.get(0), offered.subList(1, offered.size()).toArray(String[]::new));
    }
    UpstreamListener listener = new UpstreamListener(request.requestId());
    java.net.http.WebSocket upstream = open(request, response, builder, uri, listener);
    if (upstream == null) {
      return;
    }
    String chosen = upstream.getSubprotocol();
    WebSocket downstream;
    try {
      downstream = response.acceptWebSocket(chosen == null || chosen.isEmpty() ? null : chosen);
    } catch (RuntimeException e) {
      upstream.abort();
      throw e;
    }
    listener.attach(upstream, downstream);
    try {
      pumpToUpstream(downstream, upstream);
      closeUpstream(downstream, upstream, listener);
    } finally {
      upstream.abort(); // a no-op once both sides closed
    }
  }

  /** The upstream WebSocket, or null when this answered for it (the refusal, 502, 504). */
  private java.net.http.WebSocket open(
      Request request,
      Response response,
      java.net.http.WebSocket.Builder builder,
      URI uri,
      UpstreamListener listener)
      throws Exception {
    CompletableFuture<java.net.http.WebSocket> opening = builder.buildAsync(uri, listener);
    try {
      return opening.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      opening.cancel(true);
      log.warn("upstream WebSocket handshake timed out: request_id = {}", request.requestId());
      LocalReply.gatewayTimeout(response, "upstream did not answer in time");
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      while (cause instanceof CompletionException && cause.getCause() != null) {
        cause = cause.getCause();
      }
      if (cause instanceof WebSocketHandshakeException refused) {
        int status = refused.getResponse().statusCode();
        log.info(
            "upstream refused the WebSocket: request_id = {} status = {}",
            request.requestId(),
            status);
        response
            .status(status >= 200 && status <= 599 ? status : 502)
            .header("content-type", "text/plain; charset=utf-8")
            .send("zrouter-bridge: upstream refused the WebSocket (status " + status + ")\n");
      } else if (cause instanceof ConnectException
          || cause instanceof HttpConnectTimeoutException) {
        log.warn(
            "cannot connect to the upstream: request_id = {} cause = {}",
            request.requestId(),
            cause.toString());
        LocalReply.badGateway(response, "cannot connect to the upstream");
      } else if (cause instanceof IOException) {
        log.warn(
            "upstream WebSocket handshake failed: request_id = {} cause = {}",
            request.requestId(),
            cause.toString());
        LocalReply.badGateway(response, "upstream WebSocket handshake failed");
      } else {
        throw e;
      }
    }
    return null;
  }

  /** Client messages to the upstream, each sent before the next is taken, until the client ends. */
  private static void pumpToUpstream(WebSocket downstream, java.net.http.WebSocket upstream)
      throws IOException, InterruptedException {
    for (WebSocket.Message m; (m = downstream.receive()) != null; ) {
      CompletableFuture<java.net.http.WebSocket> sent =
          m.isText()
              ? upstream.sendText(m.text(), true)
              : upstream.sendBinary(ByteBuffer.wrap(m.data()), true);
      try {
        sent.get();
      } catch (ExecutionException e) {
        // the upstream is gone: its listener closes the client's side
        downstream.close(INTERNAL_ERROR, "upstream failed");
        return;
      }
    }
  }

  /** The client's side has ended: close the upstream's with its code, and wait for its answer. */
  private void closeUpstream(
      WebSocket downstream, java.net.http.WebSocket upstream, UpstreamListener listener)
      throws InterruptedException {
    if (!upstream.isOutputClosed()) {
      int code = downstream.closeCode(); // -1: the client vanished without a close
      upstream
          .sendClose(code <= 0 ? GOING_AWAY : code == NO_STATUS ? NORMAL : code, "")
          .exceptionallyCompose(e -> upstream.sendClose(NORMAL, "")); // a code it may not send
    }
    try {
      listener.closed.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
    } catch (TimeoutException | ExecutionException e) {
      log.debug("upstream WebSocket did not close in time, aborting it: cause = {}", e.toString());
    }
  }

  /** {@code sec-websocket-protocol} values, comma-separated, in the client's order. */
  private static List<String> offeredSubprotocols(Request request) {
    List<String> offered = new ArrayList<>();
    for (String value : request.headers("sec-websocket-protocol")) {
      for (String token : value.split(",")) {
        if (!token.isBlank()) {
          offered.add(token.trim());
        }
      }
    }
    return offered;
  }

  /** Upstream messages to the client, whole; the upstream's close or failure closes the client. */
  private static final class UpstreamListener implements java.net.http.WebSocket.Listener {
    private final String requestId;
    private final CompletableFuture<Void> closed = new CompletableFuture<>();
    private final StringBuilder text = new StringBuilder();
    private final ByteArrayOutputStream binary = new ByteArrayOutputStream();
    private volatile WebSocket downstream;

    /** How the upstream's side ended, for the client's: set once it has. */
    private volatile int endCode;

    private volatile String endReason = "";

    UpstreamListener(String requestId) {
      this.requestId = requestId;
    }

    /** The client's side is open: start taking the upstream's messages. */
    void attach(java.net.http.WebSocket upstream, WebSocket downstream) {
      this.downstream = downstream;
      if (endCode != 0) {
        downstream.close(endCode, endReason); // it ended before the client's side opened
      } else {
        upstream.request(1);
      }
    }

    /** The upstream's side ended: so does the client's, now or once it is attached. */
    private void end(int code, String reason) {
      endReason = reason;
      endCode = code;
      WebSocket d = downstream;
      if (d != null) {
        d.close(code, reason); // does nothing when already closed
      }
      closed.complete(null);
    }

    @Override
    public void onOpen(java.net.http.WebSocket upstream) {
      // nothing is requested until the client's side is accepted (attach)
    }

    @Override
    public CompletionStage<?> onText(
        java.net.http.WebSocket upstream, CharSequence data, boolean last) {
      text.append(data);
      if (text.length() > MAX_MESSAGE) {
        return tooBig(upstream);
      }
      if (last) {
        String message = text.toString();
        text.setLength(0);
        forward(upstream, () -> downstream.sendText(message));
      } else {
        upstream.request(1);
      }
      return null;
    }

    @Override
    public CompletionStage<?> onBinary(
        java.net.http.WebSocket upstream, ByteBuffer data, boolean last) {
      if (binary.size() + data.remaining() > MAX_MESSAGE) {
        return tooBig(upstream);
      }
      byte[] bytes = new byte[data.remaining()];
      data.get(bytes);
      binary.writeBytes(bytes);
      if (last) {
        byte[] message = binary.toByteArray();
        binary.reset();
        forward(upstream, () -> downstream.sendBinary(message));
      } else {
        upstream.request(1);
      }
      return null;
    }

    @Override
    public CompletionStage<?> onClose(
        java.net.http.WebSocket upstream, int statusCode, String reason) {
      end(clientCloseCode(statusCode), truncate(reason));
      return null; // the JDK client then answers the close
    }

    @Override
    public void onError(java.net.http.WebSocket upstream, Throwable error) {
      log.warn(
          "upstream WebSocket failed: request_id = {} cause = {}", requestId, error.toString());
      end(INTERNAL_ERROR, "upstream failed");
    }

    private interface Send {
      void send() throws IOException;
    }

    /** Hands a message to the client, then asks for the next; a client gone ends the upstream. */
    private void forward(java.net.http.WebSocket upstream, Send send) {
      try {
        send.send();
        upstream.request(1);
      } catch (IOException e) {
        log.debug("client WebSocket gone; closing the upstream: request_id = {}", requestId);
        upstream.sendClose(NORMAL, "");
      }
    }

    private CompletionStage<?> tooBig(java.net.http.WebSocket upstream) {
      log.warn("upstream WebSocket message over 1 MiB: request_id = {}", requestId);
      downstream.close(TOO_BIG, "message too big");
      upstream.sendClose(TOO_BIG, "message too big"); // its answer ends the relay (onClose)
      return null;
    }

    /** Codes the SDK may send on: none (1005) becomes 1000, a reserved one 1011. */
    private static int clientCloseCode(int code) {
      if (code == NO_STATUS) {
        return NORMAL;
      }
      boolean sendable =
          code >= 1000 && code <= 4999 && code != 1004 && code != 1006 && code != 1015;
      return sendable ? code : INTERNAL_ERROR;
    }

    /** A close reason fits in 123 bytes of UTF-8. */
    private static String truncate(String reason) {
      String r = reason == null ? "" : reason;
      while (r.getBytes(StandardCharsets.UTF_8).length > 123) {
        r = r.substring(0, r.length() - 1);
      }
      return r;
    }
  }
}
