package io.zrouter.router;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The command line as a user meets it: real JVMs, real signals, exit codes. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class RouterMainTest {
  private static final String MAIN = "io.zrouter.router.RouterMain";
  @TempDir Path dir;

  @Test
  void unknownFlag_oneLineError_exit2() throws Exception {
    try (JavaProcesses processes = new JavaProcesses()) {
      Path log = dir.resolve("out.log");
      Process p = processes.start(log, MAIN, "--frobnicate", "1");
      assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
      assertThat(p.exitValue()).isEqualTo(2);
      assertThat(Files.readAllLines(log))
          .containsExactly("zrouter: unknown flag: --frobnicate (see --help)");
    }
  }

  @Test
  void badDuration_oneLineError_exit2() throws Exception {
    try (JavaProcesses processes = new JavaProcesses()) {
      Path log = dir.resolve("out.log");
      Process p = processes.start(log, MAIN, "--worker-wait", "soon");
      assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
      assertThat(p.exitValue()).isEqualTo(2);
      assertThat(Files.readAllLines(log))
          .hasSize(1)
          .first()
          .asString()
          .startsWith("zrouter: --worker-wait:");
    }
  }

  @Test
  void tlsCertWithoutKey_oneLineError_exit2() throws Exception {
    try (JavaProcesses processes = new JavaProcesses()) {
      Path log = dir.resolve("out.log");
      Process p = processes.start(log, MAIN, "--tls-cert", "cert.pem");
      assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
      assertThat(p.exitValue()).isEqualTo(2);
      assertThat(Files.readAllLines(log))
          .containsExactly("zrouter: --tls-cert and --tls-key go together");
    }
  }

  @Test
  void unreadableTlsFiles_oneLineError_exit1() throws Exception {
    try (JavaProcesses processes = new JavaProcesses()) {
      Path log = dir.resolve("out.log");
      Path junk = Files.writeString(dir.resolve("junk.pem"), "not a certificate\n");
      Process p =
          processes.start(
              log,
              MAIN,
              "--listen",
              "127.0.0.1:0",
              "--admin-listen",
              "127.0.0.1:0",
              "--bind",
              "tcp://127.0.0.1:*",
              "--tls-cert",
              junk.toString(),
              "--tls-key",
              junk.toString());
      assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
      assertThat(p.exitValue()).isEqualTo(1);
      assertThat(Files.readAllLines(log))
          .filteredOn(line -> line.startsWith("zrouter:"))
          .singleElement()
          .asString()
          .startsWith("zrouter: cannot load TLS certificate or key");
      assertThat(Files.readString(log)).doesNotContain("\tat ");
    }
  }

  @Test
  void help_listsEveryFlag() throws Exception {
    try (JavaProcesses processes = new JavaProcesses()) {
      Path log = dir.resolve("out.log");
      Process p = processes.start(log, MAIN, "--help");
      assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
      assertThat(p.exitValue()).isZero();
      assertThat(Files.readString(log))
          .contains(
              "--listen",
              "--bind",
              "--max-body",
              "--max-header-size",
              "--worker-wait",
              "--request-timeout",
              "--accept-timeout",
              "--shutdown-grace",
              "--tls-cert",
              "--tls-key",
              "--admin-listen",
              "--io-threads",
              "--slow-worker-limit",
              "--help");
    }
  }

  @Test
  void portInUse_oneLineError_exit1() throws Exception {
    try (JavaProcesses processes = new JavaProcesses();
        ServerSocket taken = new ServerSocket()) {
      taken.bind(new InetSocketAddress("127.0.0.1", 0));
      Path log = dir.resolve("out.log");
      Process p =
          processes.start(
              log,
              MAIN,
              "--listen",
              "127.0.0.1:" + taken.getLocalPort(),
              "--bind",
              "tcp://127.0.0.1:*");
      assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
      assertThat(p.exitValue()).isEqualTo(1);
      assertThat(Files.readAllLines(log))
          .filteredOn(line -> line.startsWith("zrouter:"))
          .singleElement()
          .asString()
          .contains("cannot listen on 127.0.0.1:" + taken.getLocalPort());
      assertThat(Files.readString(log)).doesNotContain("\tat ");
    }
  }

  @Test
  void sigterm_drainsAndExits0() throws Exception {
    try (JavaProcesses processes = new JavaProcesses()) {
      Path log = dir.resolve("out.log");
      Process p =
          processes.start(
              log,
              MAIN,
              "--listen",
              "127.0.0.1:0",
              "--bind",
              "tcp://127.0.0.1:*",
              "--admin-listen",
              "off");
      Pattern ready =
          Pattern.compile(
              "zrouter ready: http = 127\\.0\\.0\\.1:(\\d+), workers = tcp://127\\.0\\.0\\.1:(\\d+)");
      org.awaitility.Awaitility.await()
          .atMost(java.time.Duration.ofSeconds(30))
          .until(() -> ready.matcher(Files.readString(log)).find());
      Matcher m = ready.matcher(Files.readString(log));
      assertThat(m.find()).isTrue();

      p.destroy(); // SIGTERM
      assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
      assertThat(p.exitValue()).isZero();
      assertThat(Files.readString(log)).contains("zrouter stopped");
    }
  }
}
