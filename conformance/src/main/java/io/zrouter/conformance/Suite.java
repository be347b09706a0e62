package io.zrouter.conformance;

import io.zrouter.conformance.cases.CaseFailure;
import io.zrouter.conformance.cases.ConformanceCase;
import io.zrouter.conformance.fleet.Fleet;
import io.zrouter.conformance.fleet.FleetException;
import io.zrouter.conformance.fleet.FleetLauncher;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Runs cases against an implementation, each on a fresh fleet of processes whose logs go to {@code
 * <workDir>/<implementation>/<case>/}, and reports each result as it comes to {@code progress}.
 */
public final class Suite {
  /** No case needs this long; one that does is stuck. */
  private static final Duration CASE_TIMEOUT = Duration.ofSeconds(45);

  private final FleetLauncher launcher;
  private final Path workDir;
  private final PrintStream progress;

  public Suite(FleetLauncher launcher, Path workDir, PrintStream progress) {
    this.launcher = launcher;
    this.workDir = workDir;
    this.progress = progress;
  }

  public List<CaseResult> run(Implementation impl, List<ConformanceCase> cases)
      throws IOException, InterruptedException {
    List<CaseResult> results = new ArrayList<>();
    for (ConformanceCase c : cases) {
      results.add(run(impl, c));
    }
    return results;
  }

  /** Runs one case; any failure, a fleet that does not start included, is a FAIL result. */
  public CaseResult run(Implementation impl, ConformanceCase c)
      throws IOException, InterruptedException {
    Path logDir = workDir.resolve(impl.name()).resolve(c.name());
    Files.createDirectories(logDir);
    long start = System.nanoTime();
    String figure = null;
    String detail;
    try {
      figure = runOnFleet(impl, c, logDir);
      detail = leakReport(logDir.resolve("router.log"));
    } catch (CaseFailure e) {
      figure = e.figure();
      detail = e.getMessage();
    } catch (FleetException e) {
      detail = "could not start the processes: " + e.getMessage();
    } catch (TimeoutException e) {
      detail = "still running after " + CASE_TIMEOUT.toSeconds() + " s";
    } catch (ExecutionException e) {
      detail = "the case broke: " + e.getCause();
    } catch (IOException e) {
      detail = "I/O failed: " + e;
    }
    CaseResult result =
        new CaseResult(
            impl.name(),
            c.name(),
            detail == null,
            figure,
            detail,
            logDir,
            (System.nanoTime() - start) / 1e9);
    report(result);
    return result;
  }

  private String runOnFleet(Implementation impl, ConformanceCase c, Path logDir)
      throws CaseFailure,
          FleetException,
          TimeoutException,
          ExecutionException,
          IOException,
          InterruptedException {
    ExecutorService runner =
        Executors.newSingleThreadExecutor(
            r -> {
              Thread t = new Thread(r, "conformance-" + c.name());
              t.setDaemon(true);
              return t;
            });
    try (Fleet fleet = launcher.start(c.fleet(), impl, c.name(), logDir)) {
      Future<String> run = runner.submit(() -> c.run(fleet));
      try {
        return run.get(CASE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
      } catch (ExecutionException e) {
        if (e.getCause() instanceof CaseFailure failure) {
          throw failure;
        }
        throw e;
      } finally {
        run.cancel(true); // a case past its time; closing the fleet unblocks its I/O
      }
    } finally {
      runner.shutdownNow();
    }
  }

  /** Netty's leak detector reports in the router's log; a leak fails the case that caused it. */
  private static String leakReport(Path routerLog) throws IOException {
    if (Files.exists(routerLog) && Files.readString(routerLog).contains("LEAK:")) {
      return "the router reported a leaked buffer (LEAK: in router.log)";
    }
    return null;
  }

  private void report(CaseResult r) {
    progress.printf(
        "[%s] %-26s %s %s (%.1f s)%n",
        r.implementation(),
        r.caseName(),
        r.passed() ? "PASS" : "FAIL",
        r.figure() == null ? "" : r.figure(),
        r.seconds());
    if (!r.passed()) {
      progress.println("    " + r.detail());
      progress.println("    logs: " + logs(r.logDir()));
    }
    progress.flush();
  }

  private static String logs(Path dir) {
    try (var files = Files.list(dir)) {
      List<String> names = files.map(Path::toString).sorted().toList();
      return names.isEmpty() ? dir.toString() : String.join(" ", names);
    } catch (IOException e) {
      return dir.toString();
    }
  }
}
