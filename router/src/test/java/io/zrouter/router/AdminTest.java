package io.zrouter.router;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.zrouter.proto.Accept;
import io.zrouter.proto.Frame;
import io.zrouter.proto.WorkerHello;
import io.zrouter.proto.WorkerState;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The admin listener shows the workers on the addressed path and what they hold. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class AdminTest {
  private final HttpClient client = HttpClient.newHttpClient();
  private Router router;
  private FakeWorker worker;

  @BeforeEach
  void start() throws Exception {
    router = TestRouters.start(TestRouters.config());
    worker = new FakeWorker(router.workerEndpoint());
  }

  @AfterEach
  void stop() throws Exception {
    worker.close();
    router.close(Duration.ZERO);
  }

  private HttpResponse<String> admin(String path) throws Exception {
    URI uri = URI.create("http://127.0.0.1:" + router.adminAddress().getPort() + path);
    return client.send(HttpRequest.newBuilder(uri).build(), BodyHandlers.ofString());
  }

  @Test
  void health_isOk() throws Exception {
    HttpResponse<String> r = admin("/_zrouter/health");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).isEqualTo("ok\n");
  }

  @Test
  void workers_listsEachWorkerWithItsInFlightStreams() throws Exception {
    assertThat(admin("/_zrouter/workers").body()).contains("\"workers\":[]");

    CompletableFuture<HttpResponse<String>> pending = sendHeld();
    acceptOnAddressedPath("w-admin");

    await()
        .atMost(Duration.ofSeconds(5))
        .untilAsserted(
            () ->
                assertThat(admin("/_zrouter/workers").body())
                    .contains(
                        "\"id\":\"w-admin\"", "\"routing_id\":\"fake-worker\"", "\"in_flight\":1")
                    .contains("\"streams_in_flight\":1")
                    .contains("\"last_heartbeat_age_ms\":"));
    assertThat(admin("/_zrouter/nope").statusCode()).isEqualTo(404);
    pending.cancel(true);
  }

  @Test
  void aWorkerThatDrainsAndLeaves_isShownDraining_thenForgottenAtOnce() throws Exception {
    CompletableFuture<HttpResponse<String>> held = sendHeld();
    FakeWorker.ReceivedRequest request = acceptOnAddressedPath("w-drain");
    worker.sendAddressed(state(WorkerState.Phase.PHASE_DRAINING, 1));
    await()
        .atMost(Duration.ofSeconds(5))
        .untilAsserted(
            () ->
                assertThat(admin("/_zrouter/workers").body())
                    .contains("\"id\":\"w-drain\"", "\"state\":\"draining\""));

    // It leaves holding the GET (its drain timed out): forgotten now, not after its silence,
    // and the client gets an answer.
    worker.sendAddressed(state(WorkerState.Phase.PHASE_LEAVING, 1));
    await()
        .atMost(Duration.ofSeconds(2)) // under the 2.5 s liveness timeout
        .untilAsserted(
            () -> assertThat(admin("/_zrouter/workers").body()).contains("\"workers\":[]"));
    // The GET is idempotent, so it went to a worker again: this one, over the dispatch socket.
    FakeWorker.ReceivedRequest again = worker.takeRequest(Duration.ofSeconds(5));
    assertThat(again.streamId()).isEqualTo(request.streamId());
    held.cancel(true);
  }

  @Test
  void aWorkerThatSaysItIsUnavailable_isShownUnhealthy_untilItServesAgain() throws Exception {
    CompletableFuture<HttpResponse<String>> held = sendHeld();
    acceptOnAddressedPath("w-sick");
    await()
        .atMost(Duration.ofSeconds(5))
        .untilAsserted(
            () ->
                assertThat(admin("/_zrouter/workers").body())
                    .contains("\"id\":\"w-sick\"", "\"unhealthy\":false"));

    worker.sendAddressed(state(WorkerState.Phase.PHASE_UNAVAILABLE, 1));
    await()
        .atMost(Duration.ofSeconds(5))
        .untilAsserted(
            () ->
                assertThat(admin("/_zrouter/workers").body())
                    .contains("\"state\":\"ready\"", "\"unhealthy\":true"));

    worker.sendAddressed(state(WorkerState.Phase.PHASE_SERVING, 1));
    await()
        .atMost(Duration.ofSeconds(5))
        .untilAsserted(
            () -> assertThat(admin("/_zrouter/workers").body()).contains("\"unhealthy\":false"));
    held.cancel(true);
  }

  /** A request the fake worker will hold. */
  private CompletableFuture<HttpResponse<String>> sendHeld() {
    return client.sendAsync(
        HttpRequest.newBuilder(TestRouters.uri(router, "/held")).build(), BodyHandlers.ofString());
  }

  /** The fake worker takes the request, says hello as {@code id} and accepts on its link. */
  private FakeWorker.ReceivedRequest acceptOnAddressedPath(String id) throws Exception {
    FakeWorker.ReceivedRequest request = worker.takeRequest(Duration.ofSeconds(5));
    worker.connectAddressed(request.frames().get(0).getRequestHead().getAddressedPort());
    worker.sendAddressed(
        Frame.newBuilder()
            .setWorkerHello(WorkerHello.newBuilder().setProtocolVersion(1).setWorkerId(id))
            .build(),
        Frame.newBuilder()
            .setStreamId(request.streamId())
            .setAccept(Accept.getDefaultInstance())
            .build());
    return request;
  }

  private static Frame state(WorkerState.Phase phase, int inFlight) {
    return Frame.newBuilder()
        .setWorkerState(WorkerState.newBuilder().setPhase(phase).setInFlight(inFlight))
        .build();
  }
}
