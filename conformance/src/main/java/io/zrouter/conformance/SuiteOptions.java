package io.zrouter.conformance;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The suite's command line.
 *
 * @param routerJar the router's shaded jar
 * @param javaWorker the Java sample worker's command template (for {@code mixed_fleet})
 * @param implementations what to check; by default the Java sample worker, as {@code java}
 * @param json where to write the results as JSON, or null
 * @param workDir where the process logs go, or null for a fresh temporary directory
 * @param cases the cases to run by name; empty: all
 * @param leakDetection Netty's leak detection level for the router, or null for its default
 * @param help whether {@code --help} was given
 */
public record SuiteOptions(
    Path routerJar,
    Implementation javaWorker,
    List<Implementation> implementations,
    Path json,
    Path workDir,
    List<String> cases,
    String leakDetection,
    boolean help) {

  private static final java.util.Set<String> FLAGS =
      java.util.Set.of(
          "--impl",
          "--java-worker",
          "--router-jar",
          "--json",
          "--work-dir",
          "--case",
          "--leak-detection");

  public static final String DEFAULT_ROUTER_JAR = "router/target/zrouter-router.jar";

  public static final String DEFAULT_JAVA_WORKER =
      "java -jar sample-worker/target/zrouter-sample-worker.jar"
          + " --connect {endpoint} --id {id} --concurrency {concurrency}";

  public static final String USAGE =
      """
      usage: java -jar conformance/target/zrouter-conformance.jar [flags]

      Checks worker implementations against a real router (docs/conformance.md). For each
      --impl it starts router and worker processes per case, prints a Markdown table of
      case x implementation, and exits 1 if any case failed. Paths are relative to the
      current directory, normally the repository root.

        --impl NAME=COMMAND   an implementation to check; repeatable. COMMAND starts one
                              instance, with {endpoint}, {id} and {concurrency} filled in,
                              run as sh -c 'exec COMMAND' (default: java=<--java-worker>)
        --java-worker COMMAND the Java sample worker, for mixed_fleet
                              (default: %s)
        --router-jar FILE     the router (default: %s)
        --json FILE           also write the results as JSON
        --work-dir DIR        where the per-case process logs go (default: a new temp dir)
        --case NAME           run only this case; repeatable
        --leak-detection L    Netty leak detection level for the router, e.g. paranoid
        --help                print this help and exit

      Flags also take the form --flag=value.
      """
          .formatted(DEFAULT_JAVA_WORKER, DEFAULT_ROUTER_JAR);

  /** A command line that cannot be used; the message fits on one line. */
  public static final class UsageException extends Exception {
    private static final long serialVersionUID = 1L;

    UsageException(String message) {
      super(message);
    }
  }

  public static SuiteOptions parse(String... args) throws UsageException {
    Path routerJar = Path.of(DEFAULT_ROUTER_JAR);
    String javaWorker = DEFAULT_JAVA_WORKER;
    List<String> impls = new ArrayList<>();
    Path json = null;
    Path workDir = null;
    List<String> cases = new ArrayList<>();
    String leakDetection = null;
    boolean help = false;
    for (int i = 0; i < args.length; i++) {
      String name = args[i];
      String value = null;
      int eq = name.indexOf('=');
      if (name.startsWith("--") && eq > 0) {
        value = name.substring(eq + 1);
        name = name.substring(0, eq);
      }
      if (name.equals("--help") || name.equals("-h")) {
        help = true;
        continue;
      }
      if (!FLAGS.contains(name)) {
        throw new UsageException(
            name.startsWith("--") ? "unknown flag: " + name : "unknown argument: " + name);
      }
      if (value == null) {
        if (i + 1 >= args.length) {
          throw new UsageException(name + " needs a value");
        }
        value = args[++i];
      }
      switch (name) {
        case "--impl" -> impls.add(value);
        case "--java-worker" -> javaWorker = value;
        case "--router-jar" -> routerJar = Path.of(value);
        case "--json" -> json = Path.of(value);
        case "--work-dir" -> workDir = Path.of(value);
        case "--case" -> cases.add(value);
        case "--leak-detection" -> leakDetection = value;
        default -> throw new IllegalStateException("a flag in FLAGS without a case: " + name);
      }
    }
    try {
      Implementation java = new Implementation("java", javaWorker);
      List<Implementation> implementations = new ArrayList<>();
      for (String spec : impls) {
        implementations.add(Implementation.parse(spec));
      }
      if (implementations.isEmpty()) {
        implementations.add(java);
      }
      return new SuiteOptions(
          routerJar,
          java,
          List.copyOf(implementations),
          json,
          workDir,
          List.copyOf(cases),
          leakDetection,
          help);
    } catch (IllegalArgumentException e) {
      throw new UsageException(e.getMessage());
    }
  }
}
