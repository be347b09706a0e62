package io.zrouter.router.upstream;

import static org.assertj.core.api.Assertions.assertThat;

import io.zrouter.proto.RouteSpec;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The router limits a worker that answers far slower than the others, from the latencies it sees
 * between a stream's acknowledgement and its response head, and lifts the limit once it recovers.
 */
class StreamLimitsTest {
  private static final long MS = TimeUnit.MILLISECONDS.toNanos(1);

  private final StreamClaims claims = new StreamClaims();
  private final AddressedWorkers workers =
      new AddressedWorkers(TimeUnit.SECONDS.toNanos(3), claims::heldBy);
  private long now = 1_000_000_000L;
  private long nextStream = 1;

  private static byte[] id(String name) {
    return name.getBytes(StandardCharsets.UTF_8);
  }

  /** {@code count} requests taken by {@code worker}, each answered {@code latencyMs} later. */
  private void serve(String worker, int count, long latencyMs) {
    for (int i = 0; i < count; i++) {
      long stream = nextStream++;
      claims.claim(stream, id(worker), now);
      answered(stream, now + latencyMs * MS);
      claims.release(stream);
    }
    now += latencyMs * MS;
  }

  /** What the tracker does with a response head: the worker's latency sample, if it is one. */
  private void answered(long stream, long at) {
    long latency = claims.answered(stream, at);
    if (latency >= 0) {
      workers.latency(claims.ownerOf(stream), latency);
    }
  }

  private Map<String, Integer> limits() {
    workers.updateStreamLimits();
    Map<String, Integer> limits = new HashMap<>();
    for (AddressedWorkers.Greeted g : workers.greeted()) {
      limits.put(new String(g.routingId(), StandardCharsets.UTF_8), g.maxStreams());
    }
    return limits;
  }

  private final ServiceLane defaultLane = new ServiceLane(Set.of(), null, 0, 0);

  private void greet(String name, int concurrency) {
    greet(name, concurrency, defaultLane);
  }

  private void greet(String name, int concurrency, ServiceLane lane) {
    workers.hello(id(name), name, concurrency, now, lane);
  }

  @Test
  void workersOfAnotherService_areNotTheMeasure_appsDifferInLatencyOnPurpose() {
    ServiceLane reports = new ServiceLane(Set.of(RouteSpec.parse("/reports")), null, 0, 0);
    greet("a", 4);
    greet("b", 4);
    greet("slow-app-1", 4, reports);
    greet("slow-app-2", 4, reports);
    serve("a", 50, 5);
    serve("b", 50, 5);
    serve("slow-app-1", 50, 500); // 100 times slower than a and b, as slow as its peer
    serve("slow-app-2", 50, 500);
    assertThat(limits()).containsEntry("slow-app-1", 0).containsEntry("slow-app-2", 0);
  }

  @Test
  void aWorkerTenTimesSlowerThanTheMedian_isLimitedToOneStream_theOthersAreNot() {
    for (String fast : new String[] {"a", "b", "c"}) {
      greet(fast, 4);
      serve(fast, 50, 5);
    }
    greet("slow", 4);
    serve("slow", 50, 55);

    assertThat(limits())
        .containsExactlyInAnyOrderEntriesOf(Map.of("a", 0, "b", 0, "c", 0, "slow", 1));
    assertThat(workers.snapshot(now))
        .filteredOn(w -> w.id().equals("slow"))
        .singleElement()
        .satisfies(
            w -> {
              assertThat(w.maxStreams()).isEqualTo(1);
              assertThat(w.typicalLatencyMillis()).isBetween(54.0, 56.0);
            });
  }

  @Test
  void theLimitScalesWithTheWorkersConcurrency() {
    greet("fast", 64);
    serve("fast", 50, 10);
    greet("slow", 64);
    serve("slow", 50, 40); // four times slower: a quarter of its concurrency

    assertThat(limits()).containsEntry("slow", 16).containsEntry("fast", 0);
  }

  @Test
  void nothingToCompare_noLimit() {
    greet("alone", 4);
    serve("alone", 100, 500);
    assertThat(limits()).containsEntry("alone", 0);

    greet("young", 4);
    serve("young", (int) StreamLimits.MIN_SAMPLES - 1, 5); // not measured enough yet
    assertThat(limits()).containsEntry("alone", 0);
  }

  @Test
  void equallySlowWorkers_areNotLimited() {
    greet("a", 4);
    greet("b", 4);
    serve("a", 50, 400);
    serve("b", 50, 500);
    assertThat(limits()).containsEntry("a", 0).containsEntry("b", 0);
  }

  @Test
  void theLimitIsLiftedOnlyOnceTheWorkerIsWellUnderTheThreshold() {
    greet("fast", 4);
    serve("fast", 50, 10);
    greet("slow", 4);
    serve("slow", 50, 50);
    assertThat(limits()).containsEntry("slow", 1);

    serve("slow", 100, 25); // 2.5 times the median: under the 3x that limits, still limited
    assertThat(limits()).containsEntry("slow", 2);

    serve("slow", 100, 12);
    assertThat(limits()).containsEntry("slow", 0);

    serve("slow", 100, 25); // 2.5 times again, from unlimited: not enough to limit it
    assertThat(limits()).containsEntry("slow", 0);
  }

  @Test
  void oneVerySlowRequest_doesNotMakeAWorkerSlow() {
    greet("a", 4);
    greet("b", 4);
    serve("a", 50, 5);
    serve("b", 50, 5);
    serve("b", 1, 2_000); // one request 400 times longer than usual
    assertThat(limits()).containsEntry("b", 0);
  }

  @Test
  void aStreamAnsweredTwice_countsOnce_andStreamsThatNeverAnswer_countNever() {
    greet("a", 4);
    claims.claim(1, id("a"), now);
    answered(1, now + 5 * MS);
    answered(1, now + 500 * MS);
    claims.claim(2, id("a"), now);
    claims.release(2); // refused or reset: no head
    answered(2, now + 900 * MS);

    assertThat(workers.snapshot(now))
        .singleElement()
        .satisfies(
            w ->
                assertThat(w.typicalLatencyMillis())
                    .isCloseTo(5.0, org.assertj.core.data.Offset.offset(0.01)));
  }
}
