package io.zrouter.worker;

import static io.zrouter.worker.testing.FakeRouter.DEFAULT_WAIT;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.zrouter.proto.Frame;
import io.zrouter.proto.ResetReason;
import io.zrouter.proto.WebSocketMessage;
import io.zrouter.proto.WebSocketMessage.Opcode;
import io.zrouter.worker.testing.FakeAddressedSocket;
import io.zrouter.worker.testing.FakeRouter;
import io.zrouter.worker.testing.NoLeakedThreads;
import io.zrouter.worker.testing.Requests;
import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The SDK's side of a WebSocket, against a scripted router: the 101 and every message of the
 * session take the addressed link, the router's messages reach {@link WebSocket#receive()}, and a
 * close or reset from either side ends the session.
 */
@Timeout(30)
@ExtendWith(NoLeakedThreads.class)
class WebSocketSessionTest {
  private FakeRouter router;
  private FakeAddressedSocket addressed;
  private Worker worker;

  @BeforeEach
  void startRouter() {
    router = new FakeRouter();
    addressed = router.bindAddressed();
  }

  @AfterEach
  void stopAll() {
    if (worker != null) {
      worker.close();
    }
    router.close();
  }

  private void start(Handler handler) {
    worker = Worker.builder().connect(router.endpoint()).id("ws-worker").handler(handler).start();
  }

  /** Dispatches a WebSocket request for stream 1; returns the worker's addressed identity. */
  private byte[] openSession() {
    router.send(
        Requests.frame(
            1,
            Requests.head("GET", "/ws", true)
                .setWebsocket(true)
                .setAddressedPort(addressed.port())));
    byte[] identity = addressed.takeHello(DEFAULT_WAIT).identity();
    Frame head = addressed.takeFrame(1, DEFAULT_WAIT).frame();
    assertThat(head.getResponseHead().getStatus()).isEqualTo(101);
    assertThat(head.getResponseHead().getEndStream()).isFalse();
    return identity;
  }

  private static Frame message(Opcode opcode, String payload, int closeCode) {
    return Frame.newBuilder()
        .setStreamId(1)
        .setWebsocketMessage(
            WebSocketMessage.newBuilder()
                .setOpcode(opcode)
                .setPayload(ByteString.copyFromUtf8(payload))
                .setCloseCode(closeCode))
        .build();
  }

  private WebSocketMessage takeMessage() {
    return addressed.takeFrame(1, DEFAULT_WAIT).frame().getWebsocketMessage();
  }

  @Test
  void echo_messagesBothWays_thenRouterCloseIsAnswered() throws Exception {
    CompletableFuture<Integer> closeCode = new CompletableFuture<>();
    start(
        (req, res) -> {
          assertThat(req.isWebSocketUpgrade()).isTrue();
          WebSocket ws = res.acceptWebSocket();
          for (WebSocket.Message m; (m = ws.receive()) != null; ) {
            if (m.isText()) {
              ws.sendText("echo " + m.text());
            } else {
              ws.sendBinary(m.data());
            }
          }
          closeCode.complete(ws.closeCode());
        });
    byte[] identity = openSession();

    addressed.send(identity, message(Opcode.OPCODE_TEXT, "hi", 0));
    addressed.send(identity, message(Opcode.OPCODE_BINARY, "\u0001\u0002", 0));

    WebSocketMessage text = takeMessage();
    assertThat(text.getOpcode()).isEqualTo(Opcode.OPCODE_TEXT);
    assertThat(text.getPayload().toStringUtf8()).isEqualTo("echo hi");
    WebSocketMessage binary = takeMessage();
    assertThat(binary.getOpcode()).isEqualTo(Opcode.OPCODE_BINARY);
    assertThat(binary.getPayload().toByteArray()).containsExactly(1, 2);
    // The close is answered at once, by the SDK: the client that sent it takes no more messages.
    addressed.send(identity, message(Opcode.OPCODE_CLOSE, "bye", 4001));
    WebSocketMessage close = takeMessage();
    assertThat(close.getOpcode()).isEqualTo(Opcode.OPCODE_CLOSE);
    assertThat(close.getCloseCode()).isEqualTo(4001);
    assertThat(closeCode.get(5, TimeUnit.SECONDS)).isEqualTo(4001);
    router.awaitAccepted(1, DEFAULT_WAIT);
    assertThat(router.isQuietFor(java.time.Duration.ofMillis(200))).isTrue(); // all on the link
  }

  @Test
  void handlerReturnsWithoutClosing_closes1000() {
    start((req, res) -> res.acceptWebSocket().sendText("only this"));
    openSession();

    assertThat(takeMessage().getPayload().toStringUtf8()).isEqualTo("only this");
    WebSocketMessage close = takeMessage();
    assertThat(close.getOpcode()).isEqualTo(Opcode.OPCODE_CLOSE);
    assertThat(close.getCloseCode()).isEqualTo(1000);
  }

  @Test
  void routerReset_endsReceive_andSendsFail() throws Exception {
    CompletableFuture<Boolean> receiveEnded = new CompletableFuture<>();
    CompletableFuture<Throwable> sendFailure = new CompletableFuture<>();
    start(
        (req, res) -> {
          WebSocket ws = res.acceptWebSocket();
          receiveEnded.complete(ws.receive() == null);
          try {
            ws.sendText("too late");
            sendFailure.complete(null);
          } catch (IOException e) {
            sendFailure.complete(e);
          }
        });
    byte[] identity = openSession();

    addressed.send(identity, Requests.reset(1));

    assertThat(receiveEnded.get(5, TimeUnit.SECONDS)).isTrue();
    assertThat(sendFailure.get(5, TimeUnit.SECONDS)).isInstanceOf(IOException.class);
  }

  @Test
  void workerStopping_closesOpenSessions1001() throws Exception {
    CompletableFuture<Boolean> receiveEnded = new CompletableFuture<>();
    start(
        (req, res) -> {
          WebSocket ws = res.acceptWebSocket();
          receiveEnded.complete(ws.receive() == null);
        });
    openSession();

    worker.close();

    assertThat(receiveEnded.get(5, TimeUnit.SECONDS)).isTrue();
    WebSocketMessage close = takeMessage();
    assertThat(close.getOpcode()).isEqualTo(Opcode.OPCODE_CLOSE);
    assertThat(close.getCloseCode()).isEqualTo(1001);
  }

  @Test
  void withoutAddressedPath_theRequestIsRefused() {
    start((req, res) -> res.acceptWebSocket());

    router.send(Requests.frame(1, Requests.head("GET", "/ws", true).setWebsocket(true)));

    Frame reset = router.takeStream(1).frames().get(0);
    assertThat(reset.getReset().getReason()).isEqualTo(ResetReason.RESET_REASON_REFUSED);
  }

  @Test
  void acceptOnAPlainRequest_isRefusedByTheSdk() throws Exception {
    CompletableFuture<Throwable> failure = new CompletableFuture<>();
    start(
        (req, res) -> {
          try {
            res.acceptWebSocket();
          } catch (IllegalStateException e) {
            failure.complete(e);
          }
          res.status(426).send("upgrade required");
        });

    router.send(Requests.get(1, "/ws"));

    assertThat(router.takeStream(1).status()).isEqualTo(426);
    assertThat(failure.get(5, TimeUnit.SECONDS)).isInstanceOf(IllegalStateException.class);
  }
}
