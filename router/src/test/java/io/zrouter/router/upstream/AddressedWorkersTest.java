package io.zrouter.router.upstream;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Who holds a stream: the first worker to claim it, until it ends. */
class AddressedWorkersTest {
  private final AddressedWorkers workers = new AddressedWorkers(TimeUnit.SECONDS.toNanos(3));

  private static byte[] id(String name) {
    return name.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void theFirstClaimHoldsTheStream_anotherWorkersIsRefused() {
    assertThat(workers.claim(7, id("a"), 0)).isEqualTo(AddressedWorkers.Claim.FIRST);
    assertThat(workers.claim(7, id("a"), 0)).isEqualTo(AddressedWorkers.Claim.HELD);
    assertThat(workers.claim(7, id("b"), 0)).isEqualTo(AddressedWorkers.Claim.OTHERS);
    assertThat(workers.ownerOf(7)).isEqualTo(id("a"));
  }

  @Test
  void aRefusedStream_canBeClaimedByTheNextWorker() {
    workers.claim(7, id("a"), 0);
    workers.streamEnded(7); // refused: it goes elsewhere
    assertThat(workers.claim(7, id("b"), 0)).isEqualTo(AddressedWorkers.Claim.FIRST);
  }

  @Test
  void aFinishedStream_isNotBroughtBackByALateAcknowledgement() {
    workers.claim(7, id("a"), 0); // its response head came first, on the addressed link
    workers.streamFinished(7); // and its end
    // its acknowledgement, on the dispatch socket, comes last
    assertThat(workers.claim(7, id("a"), 0)).isEqualTo(AddressedWorkers.Claim.OTHERS);
    assertThat(workers.ownerOf(7)).isNull();
    assertThat(workers.snapshot(0))
        .singleElement()
        .satisfies(w -> assertThat(w.inFlight()).isZero());
  }

  @Test
  void recentStreams_forgetsTheOldestPastItsCapacity() {
    RecentStreams recent = new RecentStreams(2);
    recent.add(1);
    recent.add(2);
    recent.add(2);
    recent.add(3);
    assertThat(recent.contains(1)).isFalse();
    assertThat(recent.contains(2)).isTrue();
    assertThat(recent.contains(3)).isTrue();
  }
}
