package io.zrouter.router;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.zrouter.sample.SampleHandler;
import io.zrouter.worker.Handler;
import io.zrouter.worker.Worker;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
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
 * WebSockets through a real router to in-process workers, with the JDK's WebSocket client: the
 * router completes the handshake on the worker's 101 and relays messages both ways.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class WebSocketTest {
  private static final long WAIT_S = 10;

  private Router router;
  private Worker worker;
  private final HttpClient client = HttpClient.newHttpClient();

  /** What the session handler saw when its receive() returned null: the client's close code. */
  private final CompletableFuture<Integer> workerSawClose = new CompletableFuture<>();

  /** Whether the session handler's stream was cancelled when its receive() returned null. */
  private final CompletableFuture<Boolean> workerSawCancel = new CompletableFuture<>();

  @BeforeEach
  void start() throws Exception {
    router = TestRouters.start(TestRouters.config());
    SampleHandler sample = new SampleHandler("ws");
    Handler handler =
        (request, response) -> {
          switch (request.path()) {
            case "/ws/session" -> {
              io.zrouter.worker.WebSocket ws = response.acceptWebSocket();
              while (ws.receive() != null) {
                // drain until the session ends
              }
              workerSawClose.complete(ws.closeCode());
              workerSawCancel.complete(request.isCancelled());
            }
            case "/ws/forbidden" -> response.status(403).send("not you\n");
            default -> sample.handle(request, response);
          }
        };
    worker =
        Worker.builder()
            .connect(router.workerEndpoint())
            .id("ws")
            .drainTimeout(Duration.ofSeconds(2))
            .handler(handler)
            .start();
  }

  @AfterEach
  void stop() {
    worker.close();
    await().atMost(Duration.ofSeconds(WAIT_S)).until(() -> router.activeStreams() == 0);
    router.close(Duration.ofSeconds(1));
  }

  @Test
  void echo_returnsTextAsTextAndBinaryAsBinary() throws Exception {
    Recorder recorder = new Recorder();
    WebSocket ws = connect("/ws/echo", recorder);

    ws.sendText("hello", true).get(WAIT_S, TimeUnit.SECONDS);
    ws.sendBinary(ByteBuffer.wrap(new byte[] {1, 2, 3}), true).get(WAIT_S, TimeUnit.SECONDS);
    ws.sendText("wörld", true).get(WAIT_S, TimeUnit.SECONDS);
    ws.sendBinary(ByteBuffer.wrap(new byte[0]), true).get(WAIT_S, TimeUnit.SECONDS);

    assertThat(recorder.next()).isEqualTo("text:hello");
    assertThat(recorder.next()).isEqualTo("binary:[1, 2, 3]");
    assertThat(recorder.next()).isEqualTo("text:wörld");
    assertThat(recorder.next()).isEqualTo("binary:[]");
    ws.sendClose(WebSocket.NORMAL_CLOSURE, "").get(WAIT_S, TimeUnit.SECONDS);
    assertThat(recorder.closed.get(WAIT_S, TimeUnit.SECONDS)).isEqualTo(1000);
  }

  @Test
  void echo_largeMessageInFragments_arrivesWhole() throws Exception {
    Recorder recorder = new Recorder();
    WebSocket ws = connect("/ws/echo", recorder);
    String part = "x".repeat(100_000);

    ws.sendText(part, false).get(WAIT_S, TimeUnit.SECONDS);
    ws.sendText(part, true).get(WAIT_S, TimeUnit.SECONDS);

    assertThat(recorder.next()).isEqualTo("text:" + part + part);
    ws.sendClose(WebSocket.NORMAL_CLOSURE, "").get(WAIT_S, TimeUnit.SECONDS);
  }

  @Test
  void messageOverOneMebibyte_closes1009() throws Exception {
    Recorder recorder = new Recorder();
    WebSocket ws = connect("/ws/session", recorder);
    String part = "x".repeat(600_000);

    ws.sendText(part, false).get(WAIT_S, TimeUnit.SECONDS);
    ws.sendText(part, true).get(WAIT_S, TimeUnit.SECONDS);

    assertThat(recorder.closed.get(WAIT_S, TimeUnit.SECONDS)).isEqualTo(1009);
    assertThat(workerSawClose.get(WAIT_S, TimeUnit.SECONDS)).isEqualTo(1009);
  }

  @Test
  void ticker_sendsNMessagesThenCloses1000() throws Exception {
    Recorder recorder = new Recorder();
    connect("/ws/ticker?n=5", recorder);

    assertThat(recorder.closed.get(WAIT_S, TimeUnit.SECONDS)).isEqualTo(1000);
    assertThat(recorder.messages)
        .containsExactly("text:tick 1", "text:tick 2", "text:tick 3", "text:tick 4", "text:tick 5");
  }

  @Test
  void clientClose_reachesTheWorker() throws Exception {
    Recorder recorder = new Recorder();
    WebSocket ws = connect("/ws/session", recorder);

    ws.sendClose(4000, "bye").get(WAIT_S, TimeUnit.SECONDS);

    assertThat(workerSawClose.get(WAIT_S, TimeUnit.SECONDS)).isEqualTo(4000);
    assertThat(workerSawCancel.get()).isFalse();
    assertThat(recorder.closed.get(WAIT_S, TimeUnit.SECONDS)).isEqualTo(4000); // echoed
  }

  @Test
  void ping_isAnsweredWithPong() throws Exception {
    Recorder recorder = new Recorder();
    WebSocket ws = connect("/ws/echo", recorder);

    ws.sendPing(ByteBuffer.wrap("are you there".getBytes(StandardCharsets.UTF_8)))
        .get(WAIT_S, TimeUnit.SECONDS);

    assertThat(recorder.next()).isEqualTo("pong:are you there");
    ws.sendClose(WebSocket.NORMAL_CLOSURE, "").get(WAIT_S, TimeUnit.SECONDS);
  }

  @Test
  void workerRefusesUpgrade_clientSeesTheStatus() {
    CompletableFuture<WebSocket> connecting =
        client
            .newWebSocketBuilder()
            .buildAsync(wsUri("/ws/forbidden"), new Recorder())
            .toCompletableFuture();

    assertThatThrownBy(() -> connecting.get(WAIT_S, TimeUnit.SECONDS))
        .isInstanceOf(ExecutionException.class)
        .cause()
        .isInstanceOfSatisfying(
            WebSocketHandshakeException.class,
            e -> assertThat(e.getResponse().statusCode()).isEqualTo(403));
  }

  @Test
  void clientDisconnects_workerSessionIsCancelled() throws Exception {
    WebSocket ws = connect("/ws/session", new Recorder());

    ws.abort(); // the connection closes without a close handshake

    assertThat(workerSawCancel.get(WAIT_S, TimeUnit.SECONDS)).isTrue();
    assertThat(workerSawClose.get()).isEqualTo(-1); // no close code ever came
  }

  @Test
  void plainRequestToWebSocketEndpoint_gets426() throws Exception {
    HttpResponse<String> response =
        client.send(
            HttpRequest.newBuilder(TestRouters.uri(router, "/ws/echo")).build(),
            HttpResponse.BodyHandlers.ofString());

    // (the worker's Upgrade header does not survive: hop-by-hop, the router strips it)
    assertThat(response.statusCode()).isEqualTo(426);
  }

  @Test
  void subprotocolChosenByWorker_reachesTheClient() throws Exception {
    worker.close();
    worker =
        Worker.builder()
            .connect(router.workerEndpoint())
            .id("proto")
            .handler(
                (request, response) -> {
                  String offered = request.header("sec-websocket-protocol");
                  io.zrouter.worker.WebSocket ws =
                      response.acceptWebSocket(offered.contains("chat.v2") ? "chat.v2" : null);
                  ws.sendText("offered " + offered);
                  ws.close(1000, "");
                })
            .start();
    Recorder recorder = new Recorder();
    WebSocket ws =
        client
            .newWebSocketBuilder()
            .subprotocols("chat.v1", "chat.v2")
            .buildAsync(wsUri("/ws/any"), recorder)
            .get(WAIT_S, TimeUnit.SECONDS);

    assertThat(ws.getSubprotocol()).isEqualTo("chat.v2");
    assertThat(recorder.next()).isEqualTo("text:offered chat.v1, chat.v2");
  }

  private WebSocket connect(String path, Recorder recorder) throws Exception {
    return client
        .newWebSocketBuilder()
        .buildAsync(wsUri(path), recorder)
        .get(WAIT_S, TimeUnit.SECONDS);
  }

  private URI wsUri(String path) {
    return URI.create("ws://127.0.0.1:" + router.httpAddress().getPort() + path);
  }

  /** Records whole messages as "text:...", "binary:[...]" or "pong:...", and the close code. */
  private static final class Recorder implements WebSocket.Listener {
    final BlockingQueue<String> messages = new LinkedBlockingQueue<>();
    final CompletableFuture<Integer> closed = new CompletableFuture<>();
    private final StringBuilder text = new StringBuilder();
    private final List<Byte> binary = new ArrayList<>();

    String next() throws InterruptedException {
      String m = messages.poll(WAIT_S, TimeUnit.SECONDS);
      assertThat(m).as("a message within %d s", WAIT_S).isNotNull();
      return m;
    }

    @Override
    public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
      text.append(data);
      if (last) {
        messages.add("text:" + text);
        text.setLength(0);
      }
      ws.request(1);
      return null;
    }

    @Override
    public CompletionStage<?> onBinary(WebSocket ws, ByteBuffer data, boolean last) {
      while (data.hasRemaining()) {
        binary.add(data.get());
      }
      if (last) {
        messages.add("binary:" + binary);
        binary.clear();
      }
      ws.request(1);
      return null;
    }

    @Override
    public CompletionStage<?> onPong(WebSocket ws, ByteBuffer message) {
      messages.add("pong:" + StandardCharsets.UTF_8.decode(message));
      ws.request(1);
      return null;
    }

    @Override
    public CompletionStage<?> onClose(WebSocket ws, int statusCode, String reason) {
      closed.complete(statusCode);
      return null;
    }

    @Override
    public void onError(WebSocket ws, Throwable error) {
      closed.completeExceptionally(error);
    }
  }
}
