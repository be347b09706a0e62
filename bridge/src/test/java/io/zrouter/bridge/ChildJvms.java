package io.zrouter.bridge;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Real JVMs on this test's classpath, each with its own heap limit and log file; every one started
 * is stopped on {@link #close()}.
 */
final class ChildJvms implements AutoCloseable {
  private final List<Process> started = new ArrayList<>();

  /** Starts {@code mainClass} at {@code -Xmx<maxHeap>}, exiting at once should it run out. */
  Process start(Path log, String maxHeap, String mainClass, String... args) throws IOException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-Xmx" + maxHeap);
    command.add("-XX:+ExitOnOutOfMemoryError");
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(mainClass);
    command.addAll(List.of(args));
    Process process =
        new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    started.add(process);
    return process;
  }

  /** Waits until {@code log} holds a match for {@code ready}; fails if the process exits first. */
  static Matcher awaitLine(Process process, Path log, Pattern ready) {
    Matcher[] found = new Matcher[1];
    await()
        .atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(20))
        .until(
            () -> {
              String text = Files.exists(log) ? Files.readString(log) : "";
              Matcher m = ready.matcher(text);
              if (m.find()) {
                found[0] = m;
                return true;
              }
              if (!process.isAlive()) {
                throw new IllegalStateException("process exited: " + text);
              }
              return false;
            });
    return found[0];
  }

  @Override
  public void close() throws InterruptedException {
    for (Process p : started) {
      p.destroy();
    }
    for (Process p : started) {
      if (!p.waitFor(10, TimeUnit.SECONDS)) {
        p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    }
  }
}
