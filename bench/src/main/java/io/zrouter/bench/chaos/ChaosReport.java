package io.zrouter.bench.chaos;

import java.util.Map;
import java.util.TreeMap;

/**
 * What a chaos run saw.
 *
 * @param sent requests the clients sent
 * @param outcomes count per outcome: an HTTP status ("200", "502"...), "reset" (connection closed
 *     or refused mid-request), or "lost" (no answer at all before the client gave up)
 * @param duplicates non-idempotent requests (POSTs) that some worker started more than once
 * @param events chaos events done, by kind
 */
public record ChaosReport(
    int sent, Map<String, Integer> outcomes, int duplicates, Map<String, Integer> events) {

  public int count(String outcome) {
    return outcomes.getOrDefault(outcome, 0);
  }

  public int twoHundreds() {
    return outcomes.entrySet().stream()
        .filter(e -> e.getKey().startsWith("2"))
        .mapToInt(Map.Entry::getValue)
        .sum();
  }

  /** A small table for the console and the issue note. */
  public String table() {
    StringBuilder out = new StringBuilder();
    out.append(String.format("%-28s %10s%n", "requests sent", sent));
    out.append(String.format("%-28s %10s%n", "2xx", twoHundreds()));
    for (Map.Entry<String, Integer> e : new TreeMap<>(outcomes).entrySet()) {
      if (!e.getKey().startsWith("2")) {
        out.append(String.format("%-28s %10s%n", e.getKey(), e.getValue()));
      }
    }
    out.append(String.format("%-28s %10s%n", "duplicate POST executions", duplicates));
    out.append(String.format("%-28s %10s%n", "lost (no response)", count("lost")));
    out.append("events: ").append(new TreeMap<>(events)).append('\n');
    return out.toString();
  }
}
