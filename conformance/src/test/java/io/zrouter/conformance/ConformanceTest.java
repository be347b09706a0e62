package io.zrouter.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import io.zrouter.conformance.cases.Cases;
import io.zrouter.conformance.fleet.FleetLauncher;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DynamicContainer;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * The conformance suite against real processes: the router's and sample worker's shaded jars, and
 * each implementation named in {@code -Dconformance.impls} (default {@code java}; e.g. {@code
 * -Dconformance.impls=java,python}). Each case is one test; the table goes to the test's output and
 * {@code target/conformance-results.json}, the process logs under {@code target/}.
 */
class ConformanceTest {
  /** The implementations this repository has, by name. */
  private static final Map<String, String> KNOWN =
      Map.of(
          "java",
          SuiteOptions.DEFAULT_JAVA_WORKER,
          "python",
          "workers/python/target/venv/bin/python -m zrouter_worker.sample"
              + " --connect {endpoint} --id {id} --concurrency {concurrency}");

  private static final List<CaseResult> results = Collections.synchronizedList(new ArrayList<>());

  @TestFactory
  Stream<DynamicContainer> everyCasePasses() throws Exception {
    Path root = Path.of(System.getProperty("zrouter.repoRoot", "..")).toAbsolutePath().normalize();
    Path routerJar = root.resolve(SuiteOptions.DEFAULT_ROUTER_JAR);
    assertThat(routerJar).as("the router jar: build the reactor first (mvn package)").exists();
    List<String> jvmArgs = new ArrayList<>(List.of("-Xmx256m"));
    String leaks = System.getProperty("io.netty.leakDetection.level");
    if (leaks != null) {
      jvmArgs.add("-Dio.netty.leakDetection.level=" + leaks);
    }
    Implementation java = new Implementation("java", SuiteOptions.DEFAULT_JAVA_WORKER);
    Path logs =
        Files.createTempDirectory(Files.createDirectories(Path.of("target")), "conformance-");
    Suite suite = new Suite(new FleetLauncher(routerJar, jvmArgs, java, root), logs, System.out);
    return implementations().stream()
        .map(
            impl ->
                DynamicContainer.dynamicContainer(
                    impl.name(),
                    Cases.all().stream()
                        .map(
                            c ->
                                DynamicTest.dynamicTest(
                                    c.name(),
                                    () -> {
                                      CaseResult r = suite.run(impl, c);
                                      results.add(r);
                                      assertThat(r.passed())
                                          .as(
                                              "%s / %s: %s (logs: %s)",
                                              impl.name(), c.name(), r.detail(), r.logDir())
                                          .isTrue();
                                    }))));
  }

  private static List<Implementation> implementations() {
    String names = System.getProperty("conformance.impls", "java");
    List<Implementation> impls = new ArrayList<>();
    for (String name : Arrays.stream(names.split(",")).map(String::trim).toList()) {
      if (name.isEmpty()) {
        continue;
      }
      assertThat(KNOWN).as("known implementations").containsKey(name);
      impls.add(new Implementation(name, KNOWN.get(name)));
    }
    return impls;
  }

  @AfterAll
  static void printTable() throws Exception {
    ResultReport report = new ResultReport(results);
    System.out.print(report.markdown());
    Files.writeString(Path.of("target", "conformance-results.json"), report.json());
  }
}
