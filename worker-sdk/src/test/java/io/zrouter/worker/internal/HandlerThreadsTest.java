package io.zrouter.worker.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class HandlerThreadsTest {

  @Test
  void virtualThreads_whereTheJdkHasThem() {
    boolean jdkHasThem = Runtime.version().feature() >= 21;

    assertThat(new HandlerThreads(true).virtual()).isEqualTo(jdkHasThem);
    assertThat(new HandlerThreads(false).virtual()).isFalse();
  }

  @Test
  void threads_areNamedInOrder_knownAsItsOwn_andJoined() throws Exception {
    HandlerThreads threads = new HandlerThreads(true);
    CountDownLatch release = new CountDownLatch(1);
    CompletableFuture<Boolean> madeSeenInside = new CompletableFuture<>();

    Thread first =
        threads.newThread(
            () -> {
              madeSeenInside.complete(threads.made(Thread.currentThread()));
              awaitQuietly(release);
            });
    Thread second = threads.newThread(() -> {});
    first.start();
    second.start();
    release.countDown();
    threads.join(Duration.ofSeconds(5));

    assertThat(first.getName()).isEqualTo("zrouter-handler-1");
    assertThat(second.getName()).isEqualTo("zrouter-handler-2");
    assertThat(madeSeenInside.get()).isTrue();
    assertThat(threads.made(Thread.currentThread())).isFalse();
    assertThat(first.isAlive()).isFalse();
    assertThat(second.isAlive()).isFalse();
  }

  private static void awaitQuietly(CountDownLatch latch) {
    try {
      latch.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
