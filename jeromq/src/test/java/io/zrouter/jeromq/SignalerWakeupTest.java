package io.zrouter.jeromq;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * JeroMQ 0.6.0's {@code Signaler.send()} wrote its wake-up byte before it counted the signal, so a
 * poller woken by the byte found nothing counted, left the byte unread and spun on a readable
 * descriptor until the sending thread ran again (docs/jeromq-upstream-report.md). This run counts
 * those spurious wake-ups per message on the JeroMQ we ship, and, for contrast, on the stock jar
 * loaded in a class loader of its own. {@code -Dzrouter.jeromqUnderTest=stock} points the assertion
 * at the stock jar, where it fails.
 */
@Timeout(60)
class SignalerWakeupTest {
  private static final int ROUND_TRIPS = 20_000;
  private static final int IN_FLIGHT = 16;
  private static final long RUN_TIMEOUT_MILLIS = 20_000;
  private static final long STOCK_RUN_TIMEOUT_MILLIS = 10_000;

  @Test
  void aPollerWokenForAMessage_findsTheMessage() throws Exception {
    boolean stockUnderTest = "stock".equals(System.getProperty("zrouter.jeromqUnderTest"));
    long[] patched = WakeupCountingRun.run(ROUND_TRIPS, IN_FLIGHT, RUN_TIMEOUT_MILLIS);
    report("patched", patched);
    long[] stock = null;
    try {
      stock = runAgainstStockJar();
      report("stock", stock);
    } catch (InvocationTargetException e) {
      // The stock run is there for contrast, and it can stall outright while it spins.
      if (stockUnderTest) {
        throw e;
      }
      System.out.println("stock JeroMQ: run did not finish: " + e.getCause());
    }

    long[] underTest = stockUnderTest ? stock : patched;
    assertThat(underTest[0]).isEqualTo(ROUND_TRIPS);
    // About 25 in all in practice (commands that are not messages); stock has 20 to 100 a message.
    assertThat(underTest[2])
        .as("spurious wake-ups in %d round trips", ROUND_TRIPS)
        .isLessThan(ROUND_TRIPS / 200);
  }

  private static long[] runAgainstStockJar() throws Exception {
    URL stockJar = Path.of(System.getProperty("zrouter.stockJeromq")).toUri().toURL();
    URL testClasses = WakeupCountingRun.class.getProtectionDomain().getCodeSource().getLocation();
    try (URLClassLoader loader =
        new URLClassLoader(
            new URL[] {stockJar, testClasses}, ClassLoader.getPlatformClassLoader())) {
      Class<?> run = loader.loadClass(WakeupCountingRun.class.getName());
      assertThat(run.getClassLoader()).isSameAs(loader);
      assertThat(
              loader.loadClass("zmq.Signaler").getProtectionDomain().getCodeSource().getLocation())
          .isEqualTo(stockJar);
      Method method = run.getMethod("run", int.class, int.class, long.class);
      return (long[]) method.invoke(null, ROUND_TRIPS, IN_FLIGHT, STOCK_RUN_TIMEOUT_MILLIS);
    }
  }

  private static void report(String library, long[] counts) {
    System.out.printf(
        "%s JeroMQ: %d round trips, %d wake-ups, %d spurious (%.3f per message)%n",
        library, counts[0], counts[1], counts[2], counts[2] / (double) counts[0]);
  }
}
