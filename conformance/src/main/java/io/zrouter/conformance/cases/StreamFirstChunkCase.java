package io.zrouter.conformance.cases;

import static io.zrouter.conformance.cases.Checks.check;

import io.zrouter.conformance.fleet.Fleet;
import io.zrouter.conformance.fleet.FleetSpec;
import io.zrouter.conformance.http.RawHttp;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * {@code GET /stream?n=3&interval_ms=1000} reaches the client as it is written: the first line well
 * before the response ends, two seconds later.
 */
final class StreamFirstChunkCase implements ConformanceCase {
  private static final double FIRST_CHUNK_LIMIT_MS = 500;

  /** Two intervals of 1000 ms, less a little for timers that wake a hair early. */
  private static final double TOTAL_AT_LEAST_MS = 1950;

  @Override
  public String name() {
    return "stream_first_chunk_early";
  }

  @Override
  public FleetSpec fleet() {
    return FleetSpec.instances(1);
  }

  @Override
  public String run(Fleet fleet) throws Exception {
    long sent = System.nanoTime();
    double firstLineMs = -1;
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    try (RawHttp http = RawHttp.get(fleet.http().port(), "/stream?n=3&interval_ms=1000")) {
      RawHttp.Head head = http.readHead();
      check(head.status() == 200, "GET /stream: expected 200, got %d", head.status());
      check(head.headers().containsKey("x-worker-id"), "GET /stream: no x-worker-id header");
      for (byte[] piece; (piece = http.readBody()) != null; ) {
        body.write(piece);
        if (firstLineMs < 0 && body.toString(StandardCharsets.UTF_8).contains("\n")) {
          firstLineMs = Checks.millisSince(sent);
        }
      }
    }
    double totalMs = Checks.millisSince(sent);
    String text = body.toString(StandardCharsets.UTF_8);
    String figure = "first " + Checks.ms(firstLineMs) + ", all " + Checks.ms(totalMs);
    if (!text.equals("chunk 0\nchunk 1\nchunk 2\n")) {
      throw new CaseFailure(
          "body: expected chunk 0..2, one per line, got \"" + text.replace("\n", "\\n") + "\"",
          figure);
    }
    if (firstLineMs > FIRST_CHUNK_LIMIT_MS) {
      throw new CaseFailure(
          "the first line arrived after "
              + Checks.ms(firstLineMs)
              + " (limit "
              + Checks.ms(FIRST_CHUNK_LIMIT_MS)
              + "): the response started late or was not streamed",
          figure);
    }
    if (totalMs < TOTAL_AT_LEAST_MS) {
      throw new CaseFailure(
          "the whole response took only " + Checks.ms(totalMs) + ": the lines were not 1 s apart",
          figure);
    }
    return figure;
  }
}
