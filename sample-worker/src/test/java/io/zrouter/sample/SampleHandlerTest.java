package io.zrouter.sample;

import static org.assertj.core.api.Assertions.assertThat;

import io.zrouter.proto.Frame;
import io.zrouter.worker.Worker;
import io.zrouter.worker.testing.FakeAddressedSocket;
import io.zrouter.worker.testing.FakeRouter;
import io.zrouter.worker.testing.NoLeakedThreads;
import io.zrouter.worker.testing.ReceivedResponse;
import io.zrouter.worker.testing.Requests;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The sample endpoints, served by a real worker to a fake router over TCP. */
@Timeout(30)
class SampleHandlerTest {
  private static FakeRouter router;
  private static FakeAddressedSocket addressed;
  private static SampleHandler handler;
  private static Worker worker;
  private static long nextStream = 1;

  @BeforeAll
  static void start() {
    router = new FakeRouter();
    addressed = router.bindAddressed();
    handler = new SampleHandler("sample-test");
    worker = Worker.builder().connect(router.endpoint()).id("sample-test").handler(handler).start();
  }

  @AfterAll
  static void stop() {
    worker.close();
    router.close();
    assertThat(NoLeakedThreads.zrouterThreads()).isEmpty();
  }

  private static ReceivedResponse get(String target) {
    long id = nextStream++;
    router.send(Requests.get(id, target));
    return router.takeStream(id);
  }

  private static ReceivedResponse post(String target, String contentType, byte[] body) {
    long id = nextStream++;
    router.send(Requests.post(id, target, contentType, body));
    return router.takeStream(id);
  }

  @Test
  void trailers_carryTheBodysDigest_afterTheBody() throws Exception {
    ReceivedResponse response = get("/trailers");

    assertThat(response.status()).isEqualTo(200);
    assertThat(response.bodyText()).isEqualTo("trailers from sample-test\n");
    assertThat(response.header("content-length")).isNull();
    String expected =
        java.util.HexFormat.of()
            .formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(response.body()));
    assertThat(response.trailer("x-checksum")).isEqualTo(expected);
    assertThat(response.frames().get(response.frames().size() - 1).hasTrailers()).isTrue();
  }

  @Test
  void hello_namesTheWorker() {
    ReceivedResponse response = get("/hello");

    assertThat(response.status()).isEqualTo(200);
    assertThat(response.bodyText()).isEqualTo("hello from sample-test\n");
    assertThat(response.header("content-type")).startsWith("text/plain");
    assertThat(response.header("x-worker-id")).isEqualTo("sample-test");
  }

  @Test
  void echo_returnsBodyAndContentType() {
    byte[] body = "{\"a\": 1}".getBytes(StandardCharsets.UTF_8);

    ReceivedResponse response = post("/echo", "application/json", body);

    assertThat(response.status()).isEqualTo(200);
    assertThat(response.body()).isEqualTo(body);
    assertThat(response.header("content-type")).isEqualTo("application/json");
    assertThat(response.header("content-length")).isEqualTo(Integer.toString(body.length));
  }

  @Test
  void sha256_isExactlyTheHexDigest() {
    ReceivedResponse response =
        post("/sha256", "text/plain", "abc".getBytes(StandardCharsets.US_ASCII));

    assertThat(response.bodyText())
        .isEqualTo("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    assertThat(response.header("content-type")).startsWith("text/plain");
  }

  @Test
  void stream_sendsEachLineAsItsOwnFrame() {
    ReceivedResponse response = get("/stream?n=3&interval_ms=1");

    assertThat(response.bodyText()).isEqualTo("chunk 0\nchunk 1\nchunk 2\n");
    assertThat(response.header("content-length")).isNull();
    assertThat(response.frames().stream().filter(Frame::hasBody))
        .filteredOn(f -> !f.getBody().getData().isEmpty())
        .hasSize(3);
  }

  @Test
  void endlessStream_runsUntilTheRouterCancelsIt_andIsCounted() throws Exception {
    long id = nextStream++;
    router.send(Requests.get(id, "/stream?n=0", addressed.port()));
    byte[] identity = addressed.takeHello(FakeRouter.DEFAULT_WAIT).identity();
    assertThat(addressed.takeFrame(id, FakeRouter.DEFAULT_WAIT).frame().hasResponseHead()).isTrue();
    for (int i = 0; i < 3; i++) { // the default interval, 100 ms
      Frame line = addressed.takeFrame(id, FakeRouter.DEFAULT_WAIT).frame();
      assertThat(line.getBody().getData().toStringUtf8()).isEqualTo("chunk " + i + "\n");
    }
    assertThat(handler.activeStreams()).isEqualTo(1);
    assertThat(handler.cancelledStreams()).isZero();

    long sentAt = System.nanoTime();
    addressed.send(identity, Requests.reset(id));
    long deadline = sentAt + FakeRouter.DEFAULT_WAIT.toNanos();
    while (handler.cancelledStreams() == 0 && System.nanoTime() < deadline) {
      Thread.onSpinWait(); // a tight watch on the counter, so the measured time is the handler's
    }
    long noticedMs = Duration.ofNanos(System.nanoTime() - sentAt).toMillis();
    assertThat(handler.cancelledStreams()).isEqualTo(1);

    // it stops between two lines, well before the next one was due
    assertThat(noticedMs).isLessThan(100);
    assertThat(handler.activeStreams()).isZero();
    ReceivedResponse stats = get("/stats");
    assertThat(stats.header("content-type")).isEqualTo("application/json");
    assertThat(stats.bodyText()).isEqualTo("{\"cancelled\": 1, \"active\": 0}\n");
  }

  @Test
  void bytes_streamsChunksWithoutLength() {
    ReceivedResponse response = get("/bytes?n=200000");

    assertThat(response.body()).hasSize(200_000);
    assertThat(response.header("content-type")).isEqualTo("application/octet-stream");
    assertThat(response.header("content-length")).isNull();
    assertThat(response.frames().stream().filter(Frame::hasBody))
        .allMatch(f -> f.getBody().getData().size() <= 64 * 1024);
  }

  @Test
  void sleep_answersAfterTheDelay() {
    long t0 = System.nanoTime();
    ReceivedResponse response = get("/sleep?ms=50");

    assertThat(response.bodyText()).isEqualTo("slept 50 ms\n");
    assertThat(Duration.ofNanos(System.nanoTime() - t0))
        .isGreaterThanOrEqualTo(Duration.ofMillis(50));
  }

  @ParameterizedTest
  @CsvSource({"204", "418", "503"})
  void status_answersThatStatusWithAnEmptyBody(int status) {
    ReceivedResponse response = get("/status/" + status);

    assertThat(response.status()).isEqualTo(status);
    assertThat(response.body()).isEmpty();
    assertThat(response.header("x-worker-id")).isEqualTo("sample-test");
  }

  @Test
  void fail_becomes500() {
    ReceivedResponse response = get("/fail");

    assertThat(response.status()).isEqualTo(500);
    assertThat(response.bodyText()).isEqualTo("internal error\n");
    assertThat(response.header("x-worker-id")).isEqualTo("sample-test");
  }

  @Test
  void unknownPath_is404() {
    ReceivedResponse response = get("/nope");

    assertThat(response.status()).isEqualTo(404);
    assertThat(response.bodyText()).isEqualTo("not found\n");
  }

  @Test
  void wrongMethod_is405() {
    ReceivedResponse response = post("/hello", "text/plain", new byte[0]);

    assertThat(response.status()).isEqualTo(405);
    assertThat(response.header("allow")).isEqualTo("GET");
  }

  @ParameterizedTest
  @CsvSource({"/sleep?ms=abc", "/stream?n=-1", "/bytes?n=1e6", "/status/99", "/status/x"})
  void badNumbers_are400(String target) {
    assertThat(get(target).status()).isEqualTo(400);
  }
}
