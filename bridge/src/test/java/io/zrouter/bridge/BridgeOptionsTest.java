package io.zrouter.bridge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class BridgeOptionsTest {

  @Test
  void onlyTheUpstream_everythingElseDefaults() throws Exception {
    BridgeOptions options = BridgeOptions.parse("--upstream", "http://127.0.0.1:3000");

    assertThat(options.upstream()).isEqualTo(URI.create("http://127.0.0.1:3000"));
    assertThat(options.endpoints()).containsExactly("tcp://127.0.0.1:5555");
    assertThat(options.id()).isNull();
    assertThat(options.concurrency()).isNull();
    assertThat(options.healthPath()).isNull();
    assertThat(options.healthInterval()).isEqualTo(Duration.ofSeconds(1));
    assertThat(options.upstreamTimeout()).isEqualTo(Duration.ofSeconds(30));
    assertThat(options.stripPrefix()).isNull();
    assertThat(options.drainTimeout()).isEqualTo(Duration.ofSeconds(30));
    assertThat(options.help()).isFalse();
  }

  @Test
  void everyFlag_inBothForms() throws Exception {
    BridgeOptions options =
        BridgeOptions.parse(
            "--connect",
            "tcp://10.0.0.1:5555",
            "--connect=tcp://10.0.0.2:5555",
            "--upstream=https://app.internal:8443/base/",
            "--id",
            "b1",
            "--concurrency=16",
            "--health-path",
            "/healthz",
            "--health-interval",
            "500ms",
            "--upstream-timeout=2m",
            "--strip-prefix",
            "/api/",
            "--drain-timeout",
            "1h");

    assertThat(options.endpoints()).containsExactly("tcp://10.0.0.1:5555", "tcp://10.0.0.2:5555");
    assertThat(options.upstream()).isEqualTo(URI.create("https://app.internal:8443/base"));
    assertThat(options.id()).isEqualTo("b1");
    assertThat(options.concurrency()).isEqualTo(16);
    assertThat(options.healthPath()).isEqualTo("/healthz");
    assertThat(options.healthInterval()).isEqualTo(Duration.ofMillis(500));
    assertThat(options.upstreamTimeout()).isEqualTo(Duration.ofMinutes(2));
    assertThat(options.stripPrefix()).isEqualTo("/api");
    assertThat(options.drainTimeout()).isEqualTo(Duration.ofHours(1));
  }

  @Test
  void stripPrefixOfSlash_stripsNothing() throws Exception {
    assertThat(BridgeOptions.parse("--upstream", "http://x", "--strip-prefix", "/").stripPrefix())
        .isNull();
  }

  @Test
  void help_needsNoUpstream() throws Exception {
    assertThat(BridgeOptions.parse("--help").help()).isTrue();
    assertThat(BridgeOptions.USAGE)
        .contains("--upstream", "--connect", "--health-path", "--strip-prefix", "--route");
  }

  @Test
  void aBareStripPrefix_stripsTheRoutesPath() throws Exception {
    assertThat(
            BridgeOptions.parse("--upstream", "http://x", "--route", "/app1", "--strip-prefix")
                .stripPrefix())
        .isEqualTo("/app1");
    assertThat(
            BridgeOptions.parse(
                    "--strip-prefix", "--route", "h.example/v2/", "--upstream", "http://x")
                .stripPrefix())
        .isEqualTo("/v2");
    assertThatThrownBy(() -> BridgeOptions.parse("--upstream", "http://x", "--strip-prefix"))
        .hasMessageContaining("exactly one --route with a path");
  }

  @Test
  void routes_areRepeatable() throws Exception {
    BridgeOptions options =
        BridgeOptions.parse("--upstream", "http://x", "--route", "/app1", "--route=app1.example");
    assertThat(options.routes()).containsExactly("/app1", "app1.example");
    assertThat(BridgeOptions.parse("--upstream", "http://x").routes()).isEmpty();
  }

  @Test
  void badCommandLines_areUsageErrors_withOneLineEach() {
    assertThatThrownBy(BridgeOptions::parse).hasMessageContaining("--upstream is required");
    assertThatThrownBy(() -> BridgeOptions.parse("--upstream", "http://x", "--bogus"))
        .isInstanceOf(BridgeOptions.UsageException.class)
        .hasMessage("unknown flag: --bogus");
    assertThatThrownBy(() -> BridgeOptions.parse("--upstream"))
        .hasMessage("--upstream needs a value");
    assertThatThrownBy(() -> BridgeOptions.parse("--upstream", "ftp://x"))
        .hasMessageContaining("http:// or https://");
    assertThatThrownBy(() -> BridgeOptions.parse("--upstream", "http://x/?q=1"))
        .hasMessageContaining("no query");
    assertThatThrownBy(() -> BridgeOptions.parse("--upstream", "http://x", "--concurrency", "0"))
        .hasMessageContaining("positive integer");
    assertThatThrownBy(
            () -> BridgeOptions.parse("--upstream", "http://x", "--health-interval", "1 s"))
        .hasMessageContaining("500ms, 1s, 2m or 1h");
    assertThatThrownBy(
            () -> BridgeOptions.parse("--upstream", "http://x", "--upstream-timeout", "0s"))
        .hasMessageContaining("more than 0");
    assertThatThrownBy(() -> BridgeOptions.parse("--upstream", "http://x", "--health-path", "hz"))
        .hasMessageContaining("must start with '/'");
    assertThatThrownBy(
            () -> BridgeOptions.parse("--upstream", "http://x", "--strip-prefix", "/a?b"))
        .hasMessageContaining("without a query");
  }
}
