package io.zrouter.router.frontend;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import org.junit.jupiter.api.Test;

/** Hop-by-hop headers go, in any case, with those the Connection header names; the rest stay. */
class HopByHopTest {

  @Test
  void hopByHopHeaders_andThoseConnectionNames_areRemoved_inAnyCase() {
    HttpHeaders headers = new DefaultHttpHeaders();
    headers.add("Host", "example.test");
    headers.add("Connection", "keep-alive, X-Private, upgrade");
    headers.add("Keep-Alive", "timeout=5");
    headers.add("TE", "trailers");
    headers.add("Transfer-Encoding", "chunked");
    headers.add("UPGRADE", "h2c");
    headers.add("Proxy-Connection", "close");
    headers.add("x-private", "secret");
    headers.add("x-http2-stream-id", "3");
    headers.add("User-Agent", "test"); // as long as "keep-alive": not hop-by-hop all the same
    headers.add("Content-Length", "3");
    headers.add("x-request-id", "r1");

    HopByHop.strip(headers);

    assertThat(headers.names())
        .containsExactlyInAnyOrder("Host", "User-Agent", "Content-Length", "x-request-id");
  }

  @Test
  void headersWithoutHopByHopOnes_areLeftAsTheyAre() {
    HttpHeaders headers = new DefaultHttpHeaders();
    headers.add("content-type", "text/plain");
    headers.add("content-length", "5");
    headers.add("x-forwarded-proto", "http");

    HopByHop.strip(headers);

    assertThat(headers.entries()).hasSize(3);
  }
}
