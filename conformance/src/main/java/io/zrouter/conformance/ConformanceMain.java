package io.zrouter.conformance;

import io.zrouter.conformance.cases.Cases;
import io.zrouter.conformance.cases.ConformanceCase;
import io.zrouter.conformance.fleet.FleetLauncher;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * {@code java -jar zrouter-conformance.jar --impl NAME=COMMAND ...}: runs every case against each
 * implementation, prints the table, exits 0 when all passed, 1 when any failed, 2 on a bad command
 * line.
 */
public final class ConformanceMain {
  private ConformanceMain() {}

  public static void main(String[] args) throws IOException, InterruptedException {
    SuiteOptions options;
    try {
      options = SuiteOptions.parse(args);
    } catch (SuiteOptions.UsageException e) {
      System.err.println("conformance: " + e.getMessage() + " (try --help)");
      System.exit(2);
      return;
    }
    if (options.help()) {
      System.out.print(SuiteOptions.USAGE);
      return;
    }
    if (!Files.isRegularFile(options.routerJar())) {
      System.err.println(
          "conformance: no router jar at "
              + options.routerJar().toAbsolutePath()
              + " (build it: mvn -B -q -DskipTests package, or pass --router-jar)");
      System.exit(2);
      return;
    }
    List<ConformanceCase> cases = selected(options.cases());
    if (cases == null) {
      System.exit(2);
      return;
    }
    Path workDir =
        options.workDir() != null
            ? Files.createDirectories(options.workDir())
            : Files.createTempDirectory("zrouter-conformance-");
    System.err.println("conformance: process logs under " + workDir);

    List<String> routerJvmArgs = new ArrayList<>(List.of("-Xmx256m"));
    if (options.leakDetection() != null) {
      routerJvmArgs.add("-Dio.netty.leakDetection.level=" + options.leakDetection());
    }
    Suite suite =
        new Suite(
            new FleetLauncher(
                options.routerJar().toAbsolutePath(),
                routerJvmArgs,
                options.javaWorker(),
                Path.of("").toAbsolutePath()),
            workDir,
            System.err);
    List<CaseResult> results = new ArrayList<>();
    for (Implementation impl : options.implementations()) {
      long start = System.nanoTime();
      List<CaseResult> own = suite.run(impl, cases);
      results.addAll(own);
      System.err.printf(
          "conformance: %s: %d of %d passed in %.1f s%n",
          impl.name(),
          own.stream().filter(CaseResult::passed).count(),
          own.size(),
          (System.nanoTime() - start) / 1e9);
    }
    ResultReport report = new ResultReport(results);
    System.out.print(report.markdown());
    if (options.json() != null) {
      Files.writeString(options.json(), report.json());
    }
    System.exit(report.allPassed() ? 0 : 1);
  }

  /** The cases named, all for none; null (after saying why) when a name is unknown. */
  private static List<ConformanceCase> selected(List<String> names) {
    List<ConformanceCase> all = Cases.all();
    if (names.isEmpty()) {
      return all;
    }
    Set<String> known = all.stream().map(ConformanceCase::name).collect(Collectors.toSet());
    for (String name : names) {
      if (!known.contains(name)) {
        System.err.println("conformance: unknown case " + name + "; cases: " + known);
        return null;
      }
    }
    return all.stream().filter(c -> names.contains(c.name())).toList();
  }
}
