package io.zrouter.bridge;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpClient;
import java.net.http.HttpResponse.BodyHandlers;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * WebSockets through router and bridge to a Netty WebSocket app: the subprotocol is the app's
 * choice, messages go both ways whole, and a close on either side closes the other with its code.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class WebSocketRelayTest {
  private static final HttpClient client = HttpClient.newHttpClient();

  private TestRouter router;
  private WebSocketUpstream upstream;
  private Bridge bridge;

  @BeforeEach
  void start() throws Exception {
    router = TestRouter.start();
    upstream = new WebSocketUpstream();
    bridge =
        Bridge.start(
            BridgeOptions.parse(
                "--connect",
                router.workerEndpoint(),
                "--upstream",
                upstream.uri().toString(),
                "--id",
                "bridge-ws",
                "--drain-timeout",
                "1s"));
  }

  @AfterEach
  void stop() throws Exception {
    bridge.close();
    router.close();
    upstream.close();
  }

  /**
   * What the client's side receives, in order: "text MESSAGE" (or "text N chars"), "binary N", then
   * "close CODE REASON".
   */
  private static final class Received implements WebSocket.Listener {
    final LinkedBlockingQueue<String> events = new LinkedBlockingQueue<>();
    private final StringBuilder text = new StringBuilder();

    @Override
    public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
      text.append(data);
      if (last) {
        // a long one by its length only, so a failure prints a readable line
        events.add("text " + (text.length() > 64 ? text.length() + " chars" : text));
        text.setLength(0);
      }
      ws.request(1);
      return null;
    }

    @Override
    public CompletionStage<?> onBinary(WebSocket ws, ByteBuffer data, boolean last) {
      events.add("binary " + data.remaining());
      ws.request(1);
      return null;
    }

    @Override
    public CompletionStage<?> onClose(WebSocket ws, int code, String reason) {
      events.add("close " + code + " " + reason);
      return null;
    }

    @Override
    public void onError(WebSocket ws, Throwable error) {
      events.add("error " + error);
    }

    String next() throws InterruptedException {
      return events.poll(10, TimeUnit.SECONDS);
    }
  }

  private WebSocket open(Received received, String... subprotocols) throws Exception {
    WebSocket.Builder builder = client.newWebSocketBuilder();
    if (subprotocols.length > 0) {
      builder.subprotocols(
          subprotocols[0], java.util.Arrays.copyOfRange(subprotocols, 1, subprotocols.length));
    }
    return builder.buildAsync(router.webSocketUri("/ws"), received).get(10, TimeUnit.SECONDS);
  }

  @Test
  void messages_goBothWays_withTheUpstreamsSubprotocol() throws Exception {
    Received received = new Received();
    WebSocket ws = open(received, "chat");
    assertThat(ws.getSubprotocol()).isEqualTo("chat");

    ws.sendText("hello", true).get(10, TimeUnit.SECONDS);
    assertThat(received.next()).isEqualTo("text hello");
    ws.sendBinary(ByteBuffer.wrap(new byte[3000]), true).get(10, TimeUnit.SECONDS);
    assertThat(received.next()).isEqualTo("binary 3000");
    ws.sendText("x".repeat(200_000), true).get(10, TimeUnit.SECONDS);
    assertThat(received.next()).isEqualTo("text 200000 chars");

    ws.sendClose(1000, "done").get(10, TimeUnit.SECONDS);
    assertThat(received.next()).startsWith("close 1000");
    assertThat(upstream.closesReceived.poll(10, TimeUnit.SECONDS)).startsWith("1000");
    upstream.connectionClosed.get(10, TimeUnit.SECONDS);
  }

  @Test
  void theUpstreamCloses_theClientGetsItsCode() throws Exception {
    Received received = new Received();
    WebSocket ws = open(received);
    assertThat(ws.getSubprotocol()).isEmpty();

    ws.sendText("close please", true).get(10, TimeUnit.SECONDS);

    assertThat(received.next()).isEqualTo("close 4000 bye");
  }

  @Test
  void theClientGoesAway_theUpstreamConnectionCloses() throws Exception {
    Received received = new Received();
    WebSocket ws = open(received);
    ws.sendText("ping", true).get(10, TimeUnit.SECONDS);
    assertThat(received.next()).isEqualTo("text ping");

    ws.abort(); // no close handshake: the connection just drops

    upstream.connectionClosed.get(10, TimeUnit.SECONDS);
  }

  @Test
  void anUpgradeTheUpstreamRefuses_isItsAnswer() throws Exception {
    CompletableFuture<WebSocket> opening =
        client.newWebSocketBuilder().buildAsync(router.webSocketUri("/not-ws"), new Received());

    try {
      opening.get(10, TimeUnit.SECONDS);
      throw new AssertionError("the upgrade was accepted");
    } catch (ExecutionException e) {
      assertThat(e.getCause()).isInstanceOf(WebSocketHandshakeException.class);
      int status = ((WebSocketHandshakeException) e.getCause()).getResponse().statusCode();
      assertThat(status).isNotEqualTo(101).isBetween(400, 599);
    }
    // and plain HTTP to the same app is relayed as usual
    assertThat(
            client
                .send(
                    java.net.http.HttpRequest.newBuilder(router.uri("/not-ws")).build(),
                    BodyHandlers.ofString())
                .statusCode())
        .isBetween(400, 599);
  }
}
