package io.zrouter.router.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Flags become a config; every {@code with*} method changes its one field only. */
class RouterCommandLineTest {

  @Test
  void slowWorkerLimit_onByDefault_offByFlag() throws Exception {
    assertThat(RouterCommandLine.parse(new String[0]).limitSlowWorkers()).isTrue();
    RouterConfig off = RouterCommandLine.parse(new String[] {"--slow-worker-limit", "off"});
    assertThat(off.limitSlowWorkers()).isFalse();
    assertThat(off.withLimitSlowWorkers(true)).isEqualTo(RouterConfig.defaults());
    assertThatThrownBy(() -> RouterCommandLine.parse(new String[] {"--slow-worker-limit=maybe"}))
        .isInstanceOf(UsageException.class)
        .hasMessage("--slow-worker-limit: expected on or off, got maybe");
  }

  @Test
  void eachFlag_changesOnlyItsField() throws Exception {
    RouterConfig config =
        RouterCommandLine.parse(
            new String[] {"--worker-wait", "2s", "--io-threads", "3", "--admin-listen", "off"});
    assertThat(config)
        .isEqualTo(
            RouterConfig.defaults()
                .withWorkerWait(Duration.ofSeconds(2))
                .withIoThreads(3)
                .withAdminListen(null));
  }
}
