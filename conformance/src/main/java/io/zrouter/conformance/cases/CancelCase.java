package io.zrouter.conformance.cases;

import static io.zrouter.conformance.cases.Checks.check;

import io.zrouter.conformance.fleet.Fleet;
import io.zrouter.conformance.fleet.FleetSpec;
import io.zrouter.conformance.http.RawHttp;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * A client that goes away ends the worker's endless stream: the router resets the stream on the
 * addressed path, and {@code /stats} counts it cancelled within 100 ms of the close (polled every 5
 * ms; any poll sent later than that must see it).
 */
final class CancelCase implements ConformanceCase {
  private static final Duration POLL = Duration.ofMillis(5);

  /**
   * A {@code /stats} sent this long after the close must count the stream cancelled. The figure
   * reported is when the first one that did came back: the cancel happened no later.
   */
  private static final double LIMIT_MS = 100;

  @Override
  public String name() {
    return "cancel";
  }

  @Override
  public FleetSpec fleet() {
    return FleetSpec.instances(1);
  }

  @Override
  public String run(Fleet fleet) throws Exception {
    WorkerStats before = stats(fleet);
    long closed;
    try (RawHttp http = RawHttp.get(fleet.http().port(), "/stream?n=0&interval_ms=50")) {
      RawHttp.Head head = http.readHead();
      check(head.status() == 200, "GET /stream?n=0: expected 200, got %d", head.status());
      ByteArrayOutputStream body = new ByteArrayOutputStream();
      while (!body.toString(StandardCharsets.UTF_8).contains("chunk 0\n")) {
        byte[] piece = http.readBody();
        check(piece != null, "the endless stream ended: \"%s\"", body);
        body.write(piece);
      }
      WorkerStats streaming =
          Checks.poll(
              Duration.ofSeconds(2),
              POLL,
              "/stats to count the stream active",
              () -> {
                WorkerStats s = stats(fleet);
                return s.active() > before.active() ? s : null;
              });
      check(
          streaming.cancelled() == before.cancelled(),
          "/stats counts a stream cancelled before the client closed: %s then %s",
          before,
          streaming);
      http.close();
      closed = System.nanoTime();
    }
    // [0]: when the last /stats that did not count it yet was sent; [1]: when the one that did
    // came back; both in ms after the close. The counter grew in between.
    double[] window = {0, 0};
    Checks.poll(
        Duration.ofSeconds(3),
        POLL,
        "/stats to count the stream cancelled after the client closed",
        () -> {
          double sentMs = Checks.millisSince(closed);
          WorkerStats s = stats(fleet);
          if (s.cancelled() > before.cancelled()) {
            window[1] = Checks.millisSince(closed);
            return s;
          }
          window[0] = sentMs;
          return null;
        });
    String figure = "<= " + Checks.ms(window[1]);
    Checks.poll(
        Duration.ofSeconds(1),
        POLL,
        "/stats active to drop back to " + before.active() + " after the cancel",
        () -> stats(fleet).active() == before.active() ? Boolean.TRUE : null);
    if (window[0] > LIMIT_MS) {
      throw new CaseFailure(
          "a /stats sent "
              + Checks.ms(window[0])
              + " after the client closed still did not count the stream cancelled (limit "
              + Checks.ms(LIMIT_MS)
              + ")",
          figure);
    }
    return figure;
  }

  private static WorkerStats stats(Fleet fleet) throws Exception {
    return WorkerStats.parse(fleet.http().get("/stats"));
  }
}
