package io.zrouter.router.upstream;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Who holds a stream: the first worker to claim it, until it ends. */
class StreamClaimsTest {
  private final StreamClaims claims = new StreamClaims();

  private static byte[] id(String name) {
    return name.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void theFirstClaimHoldsTheStream_anotherWorkersIsRefused() {
    assertThat(claims.claim(7, id("a"), 0)).isEqualTo(StreamClaims.Claim.FIRST);
    assertThat(claims.claim(7, id("a"), 0)).isEqualTo(StreamClaims.Claim.HELD);
    assertThat(claims.claim(7, id("b"), 0)).isEqualTo(StreamClaims.Claim.OTHERS);
    assertThat(claims.ownerOf(7)).isEqualTo(id("a"));
    assertThat(claims.heldBy(id("a"))).isEqualTo(1);
    assertThat(claims.heldBy(id("b"))).isZero();
  }

  @Test
  void aRefusedStream_canBeClaimedByTheNextWorker() {
    claims.claim(7, id("a"), 0);
    claims.release(7); // refused: it goes elsewhere
    assertThat(claims.claim(7, id("b"), 0)).isEqualTo(StreamClaims.Claim.FIRST);
    assertThat(claims.heldBy(id("a"))).isZero();
  }

  @Test
  void aFinishedStream_isNotBroughtBackByALateAcknowledgement() {
    claims.claim(7, id("a"), 0); // its response head came first, on the addressed link
    claims.finish(7); // and its end
    // its acknowledgement, on the dispatch socket, comes last
    assertThat(claims.claim(7, id("a"), 0)).isEqualTo(StreamClaims.Claim.OTHERS);
    assertThat(claims.ownerOf(7)).isNull();
    assertThat(claims.heldBy(id("a"))).isZero();
  }

  @Test
  void aLostWorker_releasesWhatItHeld_andNothingElse() {
    claims.claim(1, id("a"), 0);
    claims.claim(2, id("b"), 0);
    claims.claim(3, id("a"), 0);
    assertThat(claims.releaseAll(id("a"))).containsExactly(1L, 3L);
    assertThat(claims.ownerOf(1)).isNull();
    assertThat(claims.ownerOf(2)).isEqualTo(id("b"));
    // released, not finished: another worker may take them
    assertThat(claims.claim(1, id("b"), 0)).isEqualTo(StreamClaims.Claim.FIRST);
  }

  @Test
  void aLatencySample_isTakenOncePerStream_fromItsFirstClaim() {
    claims.claim(1, id("a"), 100);
    assertThat(claims.answered(1, 150)).isEqualTo(50);
    assertThat(claims.answered(1, 900)).isEqualTo(-1);
    assertThat(claims.answered(2, 900)).isEqualTo(-1); // never claimed
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
