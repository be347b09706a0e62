package io.zrouter.worker;

import static io.zrouter.worker.testing.FakeRouter.DEFAULT_WAIT;
import static org.assertj.core.api.Assertions.assertThat;

import io.zrouter.proto.Frame;
import io.zrouter.proto.ResetReason;
import io.zrouter.proto.WorkerState;
import io.zrouter.worker.testing.FakeAddressedSocket;
import io.zrouter.worker.testing.FakeRouter;
import io.zrouter.worker.testing.NoLeakedThreads;
import io.zrouter.worker.testing.Requests;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@link Worker#setAvailable}: an unavailable worker refuses new requests before they run, tells
 * its routers so (and again with each heartbeat), and serves again once available.
 */
@Timeout(30)
@ExtendWith(NoLeakedThreads.class)
class AvailabilityTest {
  /** Heartbeats go every second, so a repeated state comes within this. */
  private static final Duration HEARTBEAT_WAIT = Duration.ofSeconds(3);

  private final AtomicInteger runs = new AtomicInteger();
  private FakeRouter router;
  private FakeAddressedSocket addressed;
  private Worker worker;

  @BeforeEach
  void start() {
    router = new FakeRouter();
    addressed = router.bindAddressed();
    worker =
        Worker.builder()
            .connect(router.endpoint())
            .id("test-worker")
            .concurrency(2)
            .handler(
                (req, res) -> {
                  runs.incrementAndGet();
                  res.send("ran");
                })
            .start();
  }

  @AfterEach
  void stop() {
    worker.close();
    router.close();
  }

  @Test
  void unavailable_refusesNewRequests_andTellsTheRouter_untilAvailableAgain() {
    router.send(Requests.get(1, "/", addressed.port()));
    addressed.takeHello(DEFAULT_WAIT);
    assertThat(addressed.takeStream(1, DEFAULT_WAIT).bodyText()).isEqualTo("ran");
    assertThat(worker.isAvailable()).isTrue();

    worker.setAvailable(false);
    assertThat(worker.isAvailable()).isFalse();
    assertThat(nextPhase(DEFAULT_WAIT)).isEqualTo(WorkerState.Phase.PHASE_UNAVAILABLE);
    router.send(Requests.get(2, "/", addressed.port()));
    Frame refusal = addressed.takeFrame(2, DEFAULT_WAIT).frame();
    assertThat(refusal.getReset().getReason()).isEqualTo(ResetReason.RESET_REASON_REFUSED);
    assertThat(refusal.getReset().getMessage()).isEqualTo("worker is unavailable");
    assertThat(router.wasAccepted(2)).isFalse();
    // said again with the heartbeats, for a router that missed it
    assertThat(nextPhase(HEARTBEAT_WAIT)).isEqualTo(WorkerState.Phase.PHASE_UNAVAILABLE);

    worker.setAvailable(true);
    WorkerState.Phase phase;
    do { // a repeat sent just before the change may come first
      phase = nextPhase(DEFAULT_WAIT);
    } while (phase == WorkerState.Phase.PHASE_UNAVAILABLE);
    assertThat(phase).isEqualTo(WorkerState.Phase.PHASE_SERVING);
    router.send(Requests.get(3, "/", addressed.port()));
    assertThat(addressed.takeStream(3, DEFAULT_WAIT).bodyText()).isEqualTo("ran");
    assertThat(runs).hasValue(2);
  }

  @Test
  void unavailableFromTheStart_aRouterMetLater_hearsItWithTheHeartbeats() {
    worker.setAvailable(false);

    // The router's first request opens the link, and is refused.
    router.send(Requests.get(1, "/", addressed.port()));
    addressed.takeHello(DEFAULT_WAIT);
    assertThat(addressed.takeFrame(1, DEFAULT_WAIT).frame().getReset().getReason())
        .isEqualTo(ResetReason.RESET_REASON_REFUSED);
    assertThat(nextPhase(HEARTBEAT_WAIT)).isEqualTo(WorkerState.Phase.PHASE_UNAVAILABLE);
    assertThat(runs).hasValue(0);
  }

  @Test
  void unavailable_withNoAddressedLink_refusesOnTheRouterSocket() {
    worker.setAvailable(false);

    router.send(Requests.get(1, "/"));

    assertThat(router.takeStream(1).resetReason()).isEqualTo(ResetReason.RESET_REASON_REFUSED);
    assertThat(runs).hasValue(0);
  }

  /** The phase of the next {@code worker_state} on the addressed socket. */
  private WorkerState.Phase nextPhase(Duration wait) {
    return addressed.takeFrame(0, wait).frame().getWorkerState().getPhase();
  }
}
