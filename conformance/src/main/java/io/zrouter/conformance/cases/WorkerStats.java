package io.zrouter.conformance.cases;

import io.zrouter.conformance.http.Reply;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** {@code GET /stats}: endless streams ({@code /stream?n=0}) ended by cancellation, and running. */
record WorkerStats(String workerId, long cancelled, long active) {
  private static final Pattern CANCELLED = Pattern.compile("\"cancelled\"\\s*:\\s*(\\d+)");
  private static final Pattern ACTIVE = Pattern.compile("\"active\"\\s*:\\s*(\\d+)");

  static WorkerStats parse(Reply r) throws CaseFailure {
    Checks.ok(r, "GET /stats");
    return new WorkerStats(r.workerId(), number(CANCELLED, r), number(ACTIVE, r));
  }

  private static long number(Pattern p, Reply r) throws CaseFailure {
    Matcher m = p.matcher(r.text());
    if (!m.find()) {
      throw new CaseFailure("GET /stats: no " + p.pattern() + " in " + r.text().strip());
    }
    return Long.parseLong(m.group(1));
  }
}
