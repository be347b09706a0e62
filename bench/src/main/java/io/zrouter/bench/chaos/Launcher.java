package io.zrouter.bench.chaos;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * How the harness starts a router or a worker: from the built jars, or (in tests) from the current
 * classpath.
 */
public interface Launcher {
  String ROUTER_MAIN = "io.zrouter.router.RouterMain";
  String WORKER_MAIN = "io.zrouter.sample.SampleWorker";

  Process router(Path log, List<String> args) throws IOException;

  Process worker(Path log, List<String> args) throws IOException;

  /** {@code java -jar router/target/zrouter-router.jar ...} and the sample worker's jar. */
  static Launcher jars(Path repoRoot) {
    return new Launcher() {
      @Override
      public Process router(Path log, List<String> args) throws IOException {
        return start(
            log,
            List.of("-jar", repoRoot.resolve("router/target/zrouter-router.jar").toString()),
            args);
      }

      @Override
      public Process worker(Path log, List<String> args) throws IOException {
        return start(
            log,
            List.of(
                "-jar",
                repoRoot.resolve("sample-worker/target/zrouter-sample-worker.jar").toString()),
            args);
      }
    };
  }

  /** Main classes from this JVM's classpath. */
  static Launcher classpath() {
    String cp = System.getProperty("java.class.path");
    return new Launcher() {
      @Override
      public Process router(Path log, List<String> args) throws IOException {
        return start(log, List.of("-cp", cp, ROUTER_MAIN), args);
      }

      @Override
      public Process worker(Path log, List<String> args) throws IOException {
        return start(log, List.of("-cp", cp, WORKER_MAIN), args);
      }
    };
  }

  private static Process start(Path log, List<String> what, List<String> args) throws IOException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-Xmx256m");
    command.addAll(what);
    command.addAll(args);
    return new ProcessBuilder(command)
        .redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
        .start();
  }
}
