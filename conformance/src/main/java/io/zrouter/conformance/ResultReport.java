package io.zrouter.conformance;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/** Results as a Markdown table (case × implementation) with the failures below, or as JSON. */
public final class ResultReport {
  private final List<CaseResult> results;

  public ResultReport(List<CaseResult> results) {
    this.results = List.copyOf(results);
  }

  public boolean allPassed() {
    return results.stream().allMatch(CaseResult::passed);
  }

  public String markdown() {
    Set<String> impls = new LinkedHashSet<>();
    Set<String> cases = new LinkedHashSet<>();
    results.forEach(
        r -> {
          impls.add(r.implementation());
          cases.add(r.caseName());
        });
    StringBuilder out = new StringBuilder("| case |");
    impls.forEach(i -> out.append(' ').append(i).append(" |"));
    out.append("\n| --- |");
    impls.forEach(i -> out.append(" --- |"));
    out.append('\n');
    for (String c : cases) {
      out.append("| ").append(c).append(" |");
      for (String i : impls) {
        out.append(' ').append(cell(find(i, c))).append(" |");
      }
      out.append('\n');
    }
    List<CaseResult> failed = results.stream().filter(r -> !r.passed()).toList();
    if (!failed.isEmpty()) {
      out.append("\nFailures:\n\n");
      for (CaseResult r : failed) {
        out.append("* ")
            .append(r.implementation())
            .append(" / ")
            .append(r.caseName())
            .append(": ")
            .append(r.detail())
            .append(" (logs: ")
            .append(r.logDir())
            .append(")\n");
      }
    }
    return out.toString();
  }

  public String json() {
    List<String> items = new ArrayList<>();
    for (CaseResult r : results) {
      items.add(
          "  {\"implementation\": "
              + quote(r.implementation())
              + ", \"case\": "
              + quote(r.caseName())
              + ", \"passed\": "
              + r.passed()
              + ", \"figure\": "
              + quote(r.figure())
              + ", \"detail\": "
              + quote(r.detail())
              + ", \"seconds\": "
              + String.format(java.util.Locale.ROOT, "%.2f", r.seconds())
              + ", \"logs\": "
              + quote(r.logDir().toString())
              + "}");
    }
    return "{\"all_passed\": "
        + allPassed()
        + ", \"results\": [\n"
        + String.join(",\n", items)
        + "\n]}\n";
  }

  private CaseResult find(String impl, String caseName) {
    return results.stream()
        .filter(r -> r.implementation().equals(impl) && r.caseName().equals(caseName))
        .findFirst()
        .orElse(null);
  }

  private static String cell(CaseResult r) {
    if (r == null) {
      return "-";
    }
    String verdict = r.passed() ? "PASS" : "**FAIL**";
    return r.figure() == null ? verdict : verdict + " " + r.figure().replace("|", "/");
  }

  private static String quote(String s) {
    if (s == null) {
      return "null";
    }
    StringBuilder out = new StringBuilder("\"");
    for (char ch : s.toCharArray()) {
      switch (ch) {
        case '"' -> out.append("\\\"");
        case '\\' -> out.append("\\\\");
        case '\n' -> out.append("\\n");
        case '\r' -> out.append("\\r");
        case '\t' -> out.append("\\t");
        default -> {
          if (ch < 0x20) {
            out.append(String.format("\\u%04x", (int) ch));
          } else {
            out.append(ch);
          }
        }
      }
    }
    return out.append('"').toString();
  }
}
