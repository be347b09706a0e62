package io.zrouter.router;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Starts real JVMs on this test's classpath, and stops every one it started. */
final class JavaProcesses implements AutoCloseable {
  private final List<Process> started = new ArrayList<>();

  Process start(Path log, String mainClass, String... args) throws IOException {
    return startWithHeap(log, "256m", mainClass, args);
  }

  /** {@code maxHeap}: the -Xmx value, e.g. {@code 64m}. */
  Process startWithHeap(Path log, String maxHeap, String mainClass, String... args)
      throws IOException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-Xmx" + maxHeap);
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(mainClass);
    command.addAll(List.of(args));
    Process process =
        new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    started.add(process);
    return process;
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
