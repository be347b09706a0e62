package io.zrouter.conformance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class SuiteOptionsTest {

  @Test
  void noFlags_checkTheJavaSampleWorker_withTheDefaultJars() throws Exception {
    SuiteOptions o = SuiteOptions.parse();

    assertThat(o.routerJar()).isEqualTo(Path.of("router/target/zrouter-router.jar"));
    assertThat(o.implementations())
        .containsExactly(new Implementation("java", SuiteOptions.DEFAULT_JAVA_WORKER));
    assertThat(o.cases()).isEmpty();
    assertThat(o.json()).isNull();
  }

  @Test
  void impls_areRepeatable_andTakeBothFlagForms() throws Exception {
    SuiteOptions o =
        SuiteOptions.parse(
            "--impl",
            "a=./a --connect {endpoint}",
            "--impl=b=./b {endpoint} {id} {concurrency}",
            "--case",
            "cancel",
            "--json=out.json");

    assertThat(o.implementations()).extracting(Implementation::name).containsExactly("a", "b");
    assertThat(o.implementations().get(1).command("tcp://127.0.0.1:5", "b-1", 3))
        .isEqualTo("./b tcp://127.0.0.1:5 b-1 3");
    assertThat(o.cases()).isEqualTo(List.of("cancel"));
    assertThat(o.json()).isEqualTo(Path.of("out.json"));
  }

  @Test
  void aCommandWithoutEndpoint_isRefused() {
    assertThatThrownBy(() -> SuiteOptions.parse("--impl", "x=./worker --id {id}"))
        .isInstanceOf(SuiteOptions.UsageException.class)
        .hasMessageContaining("{endpoint}");
  }

  @Test
  void anUnknownFlag_isNamed() {
    assertThatThrownBy(() -> SuiteOptions.parse("--bogus"))
        .isInstanceOf(SuiteOptions.UsageException.class)
        .hasMessage("unknown flag: --bogus");
  }

  @Test
  void aFlagWithoutItsValue_saysSo() {
    assertThatThrownBy(() -> SuiteOptions.parse("--impl"))
        .isInstanceOf(SuiteOptions.UsageException.class)
        .hasMessage("--impl needs a value");
  }
}
