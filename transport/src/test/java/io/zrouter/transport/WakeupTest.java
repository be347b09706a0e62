package io.zrouter.transport;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.channels.Pipe;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class WakeupTest {
  private final Wakeup wakeup = newWakeup();

  private static Wakeup newWakeup() {
    try {
      return new Wakeup();
    } catch (java.io.IOException e) {
      throw new AssertionError(e);
    }
  }

  @AfterEach
  void close() {
    wakeup.close();
  }

  private int pendingBytes() throws Exception {
    ByteBuffer buf = ByteBuffer.allocate(16);
    int n = ((Pipe.SourceChannel) wakeup.channel()).read(buf);
    return Math.max(n, 0);
  }

  @Test
  void manySignals_inOneDrainCycle_writeOneByte() throws Exception {
    wakeup.signal();
    wakeup.signal();
    wakeup.signal();

    assertThat(pendingBytes()).isEqualTo(1);
  }

  @Test
  void acknowledge_rearmsTheNextSignal() throws Exception {
    wakeup.signal();
    assertThat(wakeup.acknowledge()).isTrue();
    assertThat(pendingBytes()).isZero();

    wakeup.signal();

    assertThat(pendingBytes()).isEqualTo(1);
  }

  @Test
  void signalFromAnInterruptedThread_keepsThePipeAndTheInterrupt() throws Exception {
    Thread.currentThread().interrupt();
    try {
      wakeup.signal();
      assertThat(Thread.currentThread().isInterrupted()).isTrue();
    } finally {
      Thread.interrupted();
    }
    assertThat(wakeup.acknowledge()).isTrue();

    wakeup.signal();
    assertThat(pendingBytes()).isEqualTo(1);
  }

  @Test
  void brokenPipe_isReportedAndReopened() throws Exception {
    wakeup.channel().close();
    assertThat(wakeup.acknowledge()).isFalse();

    wakeup.reopen();
    wakeup.signal();

    assertThat(pendingBytes()).isEqualTo(1);
  }
}
