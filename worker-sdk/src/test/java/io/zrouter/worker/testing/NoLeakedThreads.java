package io.zrouter.worker.testing;

import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/** Fails a test that leaves a worker's threads ({@code zrouter-*}) running after it. */
public final class NoLeakedThreads implements AfterEachCallback {

  @Override
  public void afterEach(ExtensionContext context) {
    await("zrouter threads to stop")
        .atMost(Duration.ofSeconds(5))
        .until(() -> zrouterThreads().isEmpty());
  }

  /** Names of the live threads a worker started. */
  public static List<String> zrouterThreads() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(Thread::isAlive)
        .map(Thread::getName)
        .filter(name -> name.startsWith("zrouter-"))
        .sorted()
        .collect(Collectors.toList());
  }
}
