package io.zrouter.router.upstream;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.ImmediateEventExecutor;
import io.zrouter.proto.Body;
import io.zrouter.proto.Frame;
import io.zrouter.proto.ResponseHead;
import io.zrouter.router.stream.ProxyStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Where a request stands between router and workers, driven event by event: held, sent,
 * acknowledged, refused, lost, reset. The guarantees: never lost, a POST never twice, never held
 * past the worker wait.
 */
class DispatchTrackerTest {
  private static final long MS = TimeUnit.MILLISECONDS.toNanos(1);
  private static final long WORKER_WAIT = 5_000 * MS;
  private static final long ACCEPT_TIMEOUT = 500 * MS;
  private static final byte[] A = "worker-a".getBytes(StandardCharsets.UTF_8);
  private static final byte[] B = "worker-b".getBytes(StandardCharsets.UTF_8);

  private final List<String> effects = new ArrayList<>();
  private final DispatchTracker tracker =
      new DispatchTracker(WORKER_WAIT, ACCEPT_TIMEOUT, new RecordingEffects());
  private long now = 1_000 * MS;

  private final class RecordingEffects implements DispatchTracker.Effects {
    @Override
    public void start(byte[] worker, long streamId) {
      effects.add("start " + name(worker) + " " + streamId);
    }

    @Override
    public void cancel(byte[] worker, long streamId) {
      effects.add("cancel " + name(worker) + " " + streamId);
    }

    @Override
    public void latency(byte[] worker, long nanos) {
      effects.add("latency " + name(worker) + " " + nanos / MS + "ms");
    }

    @Override
    public void takeMoreBody(Dispatch refused) {
      effects.add("takeMoreBody " + refused.stream().id());
    }

    @Override
    public void followUp(byte[] worker, byte[] frame) {
      effects.add("followUp " + name(worker) + " " + frame.length + "B");
    }

    @Override
    public void noWorker(ProxyStream stream) {
      effects.add("noWorker " + stream.id());
    }

    @Override
    public void lost(long streamId) {
      effects.add("lost " + streamId);
    }
  }

  private static String name(byte[] worker) {
    return new String(worker, StandardCharsets.UTF_8);
  }

  /** A stream as the tracker sees it: an id, and whether its exchange is over. */
  private static final class FakeStream implements ProxyStream {
    final long id;
    boolean done;

    FakeStream(long id) {
      this.id = id;
    }

    @Override
    public long id() {
      return id;
    }

    @Override
    public EventExecutor executor() {
      return ImmediateEventExecutor.INSTANCE;
    }

    @Override
    public boolean isDone() {
      return done;
    }

    @Override
    public void onFrame(Frame frame) {}

    @Override
    public void onUpstreamProtocolError(String reason) {}

    @Override
    public void onUpstreamLost() {}

    @Override
    public void onNoWorker() {}

    @Override
    public void onNoRoute(String authority, String path) {}

    @Override
    public void onRefusedBeforeBodyEnded(Dispatch refused) {}

    @Override
    public void flush() {}
  }

  /** The default service; the tracker keeps one held queue per service. */
  private final ServiceLane lane = new ServiceLane(Set.of(), null, 0, 0);

  private Dispatch request(long id, boolean idempotent, boolean bodyFollows) {
    return new Dispatch(
            new FakeStream(id), new byte[][] {{1}}, now, idempotent, bodyFollows, "h", "/")
        .inLane(lane);
  }

  private Dispatch get(long id) {
    return request(id, true, false);
  }

  private Dispatch post(long id) {
    return request(id, false, false);
  }

  private Dispatch streamingPost(long id) {
    return request(id, false, true);
  }

  /** Queues the request and sends it, as the link does when a worker has room. */
  private Dispatch sent(Dispatch d) {
    tracker.onQueued(d);
    assertThat(tracker.nextToSend(lane)).isSameAs(d);
    tracker.onSent(d, now);
    return d;
  }

  private static Frame head(long streamId) {
    return Frame.newBuilder()
        .setStreamId(streamId)
        .setResponseHead(ResponseHead.newBuilder().setStatus(200))
        .build();
  }

  private static Frame lastBody(long streamId) {
    return Frame.newBuilder()
        .setStreamId(streamId)
        .setBody(Body.newBuilder().setEndStream(true))
        .build();
  }

  @Test
  void aPostThatMustNotRunTwice_startsOnlyOnTheFirstWorkerToAcknowledgeIt() {
    sent(post(1));
    now += 600 * MS; // no acknowledgement within the accept timeout: sent again
    tracker.requeueDue(now);
    assertThat(tracker.nextToSend(lane).stream().id()).isEqualTo(1);
    tracker.onSent(tracker.nextToSend(lane), now);

    assertThat(tracker.onAccept(1, A, now)).isFalse(); // the late first acknowledgement
    assertThat(tracker.onAccept(1, B, now)).isFalse(); // and the resend's
    assertThat(effects).containsExactly("start worker-a 1", "cancel worker-b 1");
    assertThat(tracker.ownerOf(1)).isEqualTo(A);
  }

  @Test
  void aRequestNobodyAcknowledges_isSentAgain_aheadOfNewerOnes() {
    sent(get(1));
    tracker.onQueued(get(2)); // held: no worker had room
    now += 499 * MS;
    tracker.requeueDue(now);
    assertThat(tracker.nextToSend(lane).stream().id()).isEqualTo(2);
    now += 1 * MS;
    tracker.requeueDue(now);
    assertThat(tracker.nextToSend(lane).stream().id()).isEqualTo(1);
  }

  @Test
  void anAcknowledgedRequest_isNotSentAgain() {
    sent(get(1));
    tracker.onAccept(1, A, now);
    now += 10_000 * MS;
    tracker.requeueDue(now);
    assertThat(tracker.nextToSend(lane)).isNull();
    assertThat(tracker.nanosUntilNextDeadline(now)).isEqualTo(Long.MAX_VALUE);
  }

  @Test
  void aRefusedRequest_waitsAMoment_thenGoesOutAgain() {
    sent(post(1));
    assertThat(tracker.onRefused(1, A, now)).isFalse(); // the stream need not hear of it
    assertThat(tracker.ownerOf(1)).isNull();
    tracker.requeueDue(now);
    assertThat(tracker.nextToSend(lane)).isNull(); // pausing
    now += tracker.nanosUntilNextDeadline(now);
    tracker.requeueDue(now);
    Dispatch again = tracker.nextToSend(lane);
    assertThat(again.stream().id()).isEqualTo(1);
    assertThat(again.refusals()).isEqualTo(1);
    tracker.onSent(again, now);
    assertThat(tracker.onAccept(1, B, now)).isFalse();
    assertThat(effects).containsExactly("start worker-b 1"); // the refusing worker never ran it
  }

  @Test
  void aRequestEveryWorkerKeepsRefusing_getsNoWorkerAtTheWorkerWait() {
    sent(get(1));
    while (effects.isEmpty()) {
      Dispatch next = tracker.nextToSend(lane);
      if (next != null) {
        tracker.onSent(next, now);
        assertThat(tracker.onRefused(1, A, now)).isFalse();
      }
      now += Math.max(1, tracker.nanosUntilNextDeadline(now));
      assertThat(now).isLessThan(1_000 * MS + WORKER_WAIT + 100 * MS);
      tracker.requeueDue(now);
      tracker.giveUpWaiting(now);
    }
    assertThat(effects).containsExactly("noWorker 1");
    assertThat(tracker.hasHeld()).isFalse();
  }

  @Test
  void aWholeRequestRefusedByTheWorkerThatAcknowledgedIt_goesElsewhere() {
    sent(post(1));
    tracker.onAccept(1, A, now); // then it drains, and never gets to start it
    assertThat(tracker.onRefused(1, A, now)).isFalse();
    now += tracker.nanosUntilNextDeadline(now);
    tracker.requeueDue(now);
    assertThat(tracker.nextToSend(lane).stream().id()).isEqualTo(1);
  }

  @Test
  void aStreamingBodyRefusedAfterItsAcknowledgement_reachesItsStream_forItCannotBeReplayed() {
    sent(streamingPost(1));
    assertThat(tracker.onAccept(1, A, now)).isTrue(); // its body may flow now: the stream hears
    assertThat(tracker.onAccept(1, A, now)).isFalse(); // once
    assertThat(tracker.onRefused(1, A, now)).isTrue();
    now += 1_000 * MS;
    tracker.requeueDue(now);
    assertThat(tracker.nextToSend(lane)).isNull();
  }

  @Test
  void aRequestRefusedWhileItsBodyArrives_goesOutAgainWithTheBodyThatCameMeanwhile() {
    Dispatch first = sent(streamingPost(1));
    assertThat(tracker.onRefused(1, A, now)).isFalse();
    assertThat(effects).containsExactly("takeMoreBody 1"); // the stream adds what arrived
    byte[][] rest = {{2}, {3}};
    Dispatch whole = first.refusedOnceMore().withMoreBody(rest, false);
    tracker.onMoreBody(whole, rest, now);
    tracker.requeueDue(now);
    assertThat(tracker.nextToSend(lane)).isNull(); // its pause first
    now += tracker.nanosUntilNextDeadline(now);
    tracker.requeueDue(now);
    Dispatch again = tracker.nextToSend(lane);
    assertThat(again).isSameAs(whole);
    assertThat(again.parts()).hasNumberOfRows(3);
    assertThat(again.bodyFollows()).isFalse();
    tracker.onSent(again, now);
    assertThat(tracker.onAccept(1, B, now)).isFalse(); // whole: the stream need not hear
    assertThat(tracker.refusals()).isEqualTo(1);
    assertThat(tracker.resends()).isEqualTo(1);
  }

  @Test
  void moreBodyForAStreamALateAcknowledgementClaimed_goesToThatWorkerAsFollowUps() {
    Dispatch first = sent(streamingPost(1));
    assertThat(tracker.onRefused(1, A, now)).isFalse();
    assertThat(tracker.onAccept(1, B, now)).isTrue(); // B got an earlier copy, and took it
    byte[][] rest = {{2, 2}, {3, 3, 3}};
    tracker.onMoreBody(first.withMoreBody(rest, true), rest, now);
    assertThat(effects)
        .containsExactly(
            "takeMoreBody 1", "start worker-b 1", "followUp worker-b 2B", "followUp worker-b 3B");
    now += 1_000 * MS;
    tracker.requeueDue(now);
    assertThat(tracker.nextToSend(lane)).isNull(); // never sent again
  }

  @Test
  void aRequestSentTwice_doesNotGrowOnARefusal_forItsOtherCopyMayYetBeTaken() {
    Dispatch first = sent(streamingPost(1));
    now += ACCEPT_TIMEOUT; // no acknowledgement in time: it goes out again
    tracker.requeueDue(now);
    Dispatch second = tracker.nextToSend(lane);
    assertThat(second).isSameAs(first);
    tracker.onSent(second, now);

    assertThat(tracker.onRefused(1, null, now)).isFalse(); // the second copy's worker is busy
    assertThat(effects).isEmpty(); // no more body: the first copy's worker may still take it
    now += tracker.nanosUntilNextDeadline(now);
    tracker.requeueDue(now);
    Dispatch third = tracker.nextToSend(lane);
    assertThat(third.parts()).isEqualTo(first.parts()); // the same parts as both copies out

    // the first copy's late acknowledgement: that worker gets the body from where the copy ended
    assertThat(tracker.onAccept(1, A, now)).isTrue();
    assertThat(tracker.nextToSend(lane)).isNull();
  }

  @Test
  void onceEveryCopyWasRefused_theRequestGrowsAgain() {
    sent(streamingPost(1));
    now += ACCEPT_TIMEOUT;
    tracker.requeueDue(now);
    tracker.onSent(tracker.nextToSend(lane), now); // two copies out
    tracker.onRefused(1, null, now);
    tracker.onRefused(1, null, now); // both refused; the request waits to go out again
    assertThat(effects).isEmpty();
    now += tracker.nanosUntilNextDeadline(now);
    tracker.requeueDue(now);
    tracker.onSent(tracker.nextToSend(lane), now); // the only copy out now
    tracker.onRefused(1, null, now);
    assertThat(effects).containsExactly("takeMoreBody 1"); // no other copy can be taken: grow
  }

  @Test
  void moreBodyForAStreamResetMeanwhile_isDropped() {
    Dispatch first = sent(streamingPost(1));
    tracker.onRefused(1, A, now);
    tracker.onReset(1);
    tracker.onMoreBody(first.withMoreBody(new byte[0][], true), new byte[0][], now);
    now += 1_000 * MS;
    tracker.requeueDue(now);
    assertThat(tracker.nextToSend(lane)).isNull();
  }

  @Test
  void aLostWorkersIdempotentRequest_goesElsewhere_butAPostFails() {
    sent(get(1));
    sent(post(2));
    tracker.onAccept(1, A, now);
    tracker.onAccept(2, A, now);
    effects.clear();

    tracker.onWorkerLost(A);

    assertThat(effects).containsExactly("lost 2");
    assertThat(tracker.nextToSend(lane).stream().id()).isEqualTo(1);
    assertThat(tracker.heldBy(A)).isZero();
  }

  @Test
  void aRequestStillHeldAfterTheWorkerWait_getsNoWorker() {
    tracker.onQueued(get(1));
    now += WORKER_WAIT - 1;
    tracker.giveUpWaiting(now);
    assertThat(effects).isEmpty();
    now += 1;
    tracker.giveUpWaiting(now);
    assertThat(effects).containsExactly("noWorker 1");
    assertThat(tracker.hasHeld()).isFalse();
  }

  @Test
  void aResponse_claimsItsStream_samplesLatency_andEndsIt() {
    sent(get(1));
    tracker.onAccept(1, A, now);
    now += 7 * MS;
    assertThat(tracker.onResponse(1, A, head(1), now)).isTrue();
    // not B's stream; the frame ends it anyway, so B is not told to drop it
    assertThat(tracker.onResponse(1, B, lastBody(1), now)).isFalse();
    assertThat(tracker.onResponse(1, A, lastBody(1), now)).isTrue();
    assertThat(tracker.ownerOf(1)).isNull();
    // an acknowledgement that comes after the end cannot bring the stream back
    assertThat(tracker.onAccept(1, B, now)).isFalse();
    assertThat(effects).containsExactly("latency worker-a 7ms", "cancel worker-b 1");
  }

  @Test
  void aResetStream_tellsItsWorker_andIsNeverSentAgain() {
    sent(get(1));
    tracker.onAccept(1, A, now);
    assertThat(tracker.onReset(1)).isEqualTo(A);
    assertThat(tracker.ownerOf(1)).isNull();
    tracker.onWorkerLost(A);
    assertThat(tracker.nextToSend(lane)).isNull();
    assertThat(effects).isEmpty();
  }

  @Test
  void aResetRequestThatNoWorkerTook_isForgotten() {
    sent(get(1));
    assertThat(tracker.onReset(1)).isNull();
    now += 1_000 * MS;
    tracker.requeueDue(now);
    assertThat(tracker.nextToSend(lane)).isNull();
  }

  @Test
  void aHeldRequestThatALateAcknowledgementClaimed_isNotSentAgain() {
    sent(get(1));
    now += 600 * MS;
    tracker.requeueDue(now); // held again for a resend
    tracker.onAccept(1, A, now); // then the first send's acknowledgement arrives
    assertThat(tracker.nextToSend(lane)).isNull();
  }

  @Test
  void aServiceWithoutWorkers_holdsOnlyItsOwnRequests() {
    ServiceLane billing =
        new ServiceLane(Set.of(io.zrouter.proto.RouteSpec.parse("/billing")), null, 0, 0);
    tracker.onQueued(get(1).inLane(billing)); // no worker of billing has room
    tracker.onQueued(get(2));
    assertThat(tracker.lanesHolding()).containsExactly(billing, lane);
    assertThat(tracker.nextToSend(lane).stream().id()).isEqualTo(2);
    tracker.onSent(tracker.nextToSend(lane), now);
    assertThat(tracker.lanesHolding()).containsExactly(billing);
    tracker.onLaneRetired(billing);
    assertThat(effects).containsExactly("noWorker 1");
    assertThat(tracker.hasHeld()).isFalse();
  }

  @Test
  void framesOnTheDispatchPath_areDroppedOnceAnotherWorkerHoldsTheStream() {
    sent(get(1));
    assertThat(tracker.onAccept(1, null, now)).isFalse(); // names no worker: claims nothing
    tracker.onAccept(1, A, now);
    assertThat(tracker.onResponse(1, null, head(1), now)).isFalse();
    assertThat(effects).isEmpty();
  }
}
