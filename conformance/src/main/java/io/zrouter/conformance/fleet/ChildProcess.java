package io.zrouter.conformance.fleet;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A process the suite started, its output (stdout and stderr together) in a log file. Signals go to
 * its own pid, so a worker started as {@code sh -c 'exec ...'} receives them itself.
 */
public final class ChildProcess {
  private static final Duration GRACE = Duration.ofSeconds(5);

  private final String name;
  private final Process process;
  private final Path log;
  private volatile boolean stopped;

  private ChildProcess(String name, Process process, Path log) {
    this.name = name;
    this.process = process;
    this.log = log;
  }

  /** Starts {@code command} in {@code directory}, output to {@code log}, input empty. */
  public static ChildProcess start(String name, List<String> command, Path directory, Path log)
      throws IOException {
    Process process =
        new ProcessBuilder(command)
            .directory(directory.toFile())
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
            .start();
    return new ChildProcess(name, process, log);
  }

  public String name() {
    return name;
  }

  public long pid() {
    return process.pid();
  }

  public Path log() {
    return log;
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  /** The exit status; only once it exited. */
  public int exitValue() {
    return process.exitValue();
  }

  /** SIGSTOP: the process freezes, sockets and all, as a hung process does. */
  public void freeze() throws IOException, InterruptedException {
    signal("STOP");
    stopped = true;
  }

  /** SIGCONT after {@link #freeze}. */
  public void thaw() throws IOException, InterruptedException {
    if (stopped) {
      signal("CONT");
      stopped = false;
    }
  }

  /** SIGTERM. */
  public void terminate() {
    process.destroy();
  }

  /** Whether it exited within {@code timeout}. */
  public boolean awaitExit(Duration timeout) throws InterruptedException {
    return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  /**
   * Asks it to stop (SIGCONT first if frozen, then SIGTERM); see {@link #awaitStopped} for the
   * rest. Split in two so that a whole fleet is signalled before any of it is waited for.
   */
  void beginStop() throws IOException, InterruptedException {
    if (process.isAlive()) {
      thaw();
      terminate();
    }
  }

  /** Waits for the exit {@link #beginStop} asked for, then SIGKILLs. */
  void awaitStopped() throws InterruptedException {
    if (!process.waitFor(GRACE.toMillis(), TimeUnit.MILLISECONDS)) {
      process.destroyForcibly().waitFor(GRACE.toMillis(), TimeUnit.MILLISECONDS);
    }
  }

  private void signal(String signal) throws IOException, InterruptedException {
    Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(pid())).start();
    if (!kill.waitFor(GRACE.toMillis(), TimeUnit.MILLISECONDS) || kill.exitValue() != 0) {
      throw new IOException("kill -" + signal + " " + pid() + " failed (" + name + ")");
    }
  }

  @Override
  public String toString() {
    return name + " (pid " + pid() + ", log " + log + ")";
  }
}
