package io.zrouter.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class ResultReportTest {
  private static final Path LOGS = Path.of("/tmp/logs");

  @Test
  void markdown_isOneRowPerCase_oneColumnPerImplementation_failuresBelow() {
    ResultReport report =
        new ResultReport(
            List.of(
                new CaseResult("java", "hello", true, "1.0 ms", null, LOGS, 1),
                new CaseResult("py", "hello", true, "2.0 ms", null, LOGS, 1),
                new CaseResult("java", "cancel", true, "<= 20 ms", null, LOGS, 1),
                new CaseResult("py", "cancel", false, "<= 300 ms", "too slow", LOGS, 1)));

    assertThat(report.allPassed()).isFalse();
    assertThat(report.markdown())
        .isEqualTo(
            """
            | case | java | py |
            | --- | --- | --- |
            | hello | PASS 1.0 ms | PASS 2.0 ms |
            | cancel | PASS <= 20 ms | **FAIL** <= 300 ms |

            Failures:

            * py / cancel: too slow (logs: /tmp/logs)
            """);
  }

  @Test
  void json_quotesWhatNeedsIt() {
    String json =
        new ResultReport(
                List.of(new CaseResult("java", "drain", false, null, "said \"no\"\n", LOGS, 2.5)))
            .json();

    assertThat(json)
        .contains("\"all_passed\": false")
        .contains("\"figure\": null")
        .contains("\"detail\": \"said \\\"no\\\"\\n\"")
        .contains("\"seconds\": 2.50");
  }
}
