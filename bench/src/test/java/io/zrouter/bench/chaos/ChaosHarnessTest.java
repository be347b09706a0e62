package io.zrouter.bench.chaos;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A short chaos run: workers killed, drained, added, the router restarted, under load. No request
 * is lost, and no POST runs twice (a POST waits for the router's start, which only the worker whose
 * acknowledgement reached the router first gets).
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class ChaosHarnessTest {
  @TempDir Path dir;

  @Test
  void shortChaosRun_losesNothing_andRunsNoPostTwice() throws Exception {
    ChaosReport report =
        ChaosHarness.run(
            new ChaosHarness.Options(
                Duration.ofSeconds(30), 3, 4, Duration.ofSeconds(2), dir, Launcher.classpath()));
    System.out.print(report.table());

    assertThat(report.count("lost")).isZero();
    assertThat(report.duplicates()).isZero();
    assertThat(report.twoHundreds()).isGreaterThan(100);
    assertThat(report.events()).containsKeys("worker kill -9", "worker SIGTERM", "router restart");
  }
}
