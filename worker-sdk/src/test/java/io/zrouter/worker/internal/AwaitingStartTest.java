package io.zrouter.worker.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Requests waiting for their start: taken once, expired in arrival order after the wait. */
class AwaitingStartTest {
  private static WorkerStream stream(long id) {
    return new WorkerStream(
        new StreamKey(new PeerId("router".getBytes()), id), null, "req-" + id, null);
  }

  @Test
  void aWaitingRequestIsTakenOnce_andExpiresOnlyAfterTheWait() {
    AwaitingStart waiting = new AwaitingStart();
    WorkerStream first = stream(1);
    WorkerStream second = stream(2);
    waiting.hold(first, null, false, 0);
    waiting.hold(second, null, false, 1_000);

    assertThat(waiting.takeExpired(AwaitingStart.WAIT_NANOS - 1)).isEmpty();
    assertThat(waiting.takeExpired(AwaitingStart.WAIT_NANOS))
        .extracting(AwaitingStart.Entry::stream)
        .containsExactly(first);
    assertThat(waiting.take(first.key())).isNull(); // gone with its expiry
    assertThat(waiting.take(second.key()).stream()).isSameAs(second);
    assertThat(waiting.take(second.key())).isNull();
    assertThat(waiting.takeExpired(Long.MAX_VALUE / 2)).isEmpty();
  }

  @Test
  void takeAll_emptiesIt() {
    AwaitingStart waiting = new AwaitingStart();
    waiting.hold(stream(1), null, false, 0);
    waiting.hold(stream(2), null, false, 0);
    assertThat(waiting.takeAll()).hasSize(2);
    assertThat(waiting.takeAll()).isEmpty();
  }
}
