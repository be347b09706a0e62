package io.zrouter.sample;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class SampleWorkerOptionsTest {

  @Test
  void noFlags_connectToTheDefaultEndpoint() throws Exception {
    SampleWorkerOptions options = SampleWorkerOptions.parse();

    assertThat(options.endpoints()).containsExactly("tcp://127.0.0.1:5555");
    assertThat(options.id()).isNull();
    assertThat(options.concurrency()).isNull();
    assertThat(options.help()).isFalse();
  }

  @Test
  void flags_areParsedInBothForms() throws Exception {
    SampleWorkerOptions options =
        SampleWorkerOptions.parse(
            "--connect",
            "tcp://10.0.0.1:5555",
            "--connect=tcp://10.0.0.2:5555",
            "--id",
            "w1",
            "--concurrency=8");

    assertThat(options.endpoints()).containsExactly("tcp://10.0.0.1:5555", "tcp://10.0.0.2:5555");
    assertThat(options.id()).isEqualTo("w1");
    assertThat(options.concurrency()).isEqualTo(8);
  }

  @Test
  void drainDelayAndExecLog_areParsed() throws Exception {
    SampleWorkerOptions options =
        SampleWorkerOptions.parse(
            "--drain-timeout", "500ms", "--delay-ms", "50", "--exec-log", "/tmp/x.exec");

    assertThat(options.drainTimeout()).isEqualTo(java.time.Duration.ofMillis(500));
    assertThat(options.delayMs()).isEqualTo(50);
    assertThat(options.executionLog()).isEqualTo(java.nio.file.Path.of("/tmp/x.exec"));
    assertThat(SampleWorkerOptions.parse().drainTimeout())
        .isEqualTo(java.time.Duration.ofSeconds(30));
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> SampleWorkerOptions.parse("--delay-ms", "-1"))
        .isInstanceOf(SampleWorkerOptions.UsageException.class);
  }

  @Test
  void help_isRecognised() throws Exception {
    assertThat(SampleWorkerOptions.parse("--help").help()).isTrue();
    assertThat(SampleWorkerOptions.USAGE).contains("--connect", "--id", "--concurrency");
  }

  @Test
  void badFlags_areUsageErrors() {
    assertThatThrownBy(() -> SampleWorkerOptions.parse("--bogus"))
        .isInstanceOf(SampleWorkerOptions.UsageException.class)
        .hasMessage("unknown flag: --bogus");
    assertThatThrownBy(() -> SampleWorkerOptions.parse("--id")).hasMessage("--id needs a value");
    assertThatThrownBy(() -> SampleWorkerOptions.parse("--concurrency", "0"))
        .hasMessageContaining("positive integer");
  }
}
