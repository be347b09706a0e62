package io.zrouter.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class BulkHandlerTest {

  @Test
  void bytes_streamsNBytesOfThePatternInChunksThenEnds() {
    EmbeddedChannel channel = new EmbeddedChannel(new BulkHandler());
    channel.writeInbound(request(HttpMethod.GET, "/bytes?n=200000"));
    channel.writeInbound(LastHttpContent.EMPTY_LAST_CONTENT);

    HttpResponse head = channel.readOutbound();
    assertThat(head.status().code()).isEqualTo(200);
    assertThat(head.headers().get(HttpHeaderNames.TRANSFER_ENCODING))
        .isEqualTo(HttpHeaderValues.CHUNKED.toString());
    long total = 0;
    int chunks = 0;
    for (Object out; (out = channel.readOutbound()) != null; ) {
      HttpContent content = (HttpContent) out;
      ByteBuf data = content.content();
      for (int i = 0; i < data.readableBytes(); i++) {
        assertThat(data.getByte(data.readerIndex() + i)).isEqualTo((byte) (total + i));
      }
      total += data.readableBytes();
      chunks++;
      content.release();
      if (out instanceof LastHttpContent) {
        break;
      }
    }
    assertThat(total).isEqualTo(200_000);
    assertThat(chunks).isEqualTo(5); // four of 64 KiB or less, then the empty last one
    assertThat(channel.finish()).isFalse();
  }

  @Test
  void bytes_withABadCount_answers400() {
    EmbeddedChannel channel = new EmbeddedChannel(new BulkHandler());
    channel.writeInbound(request(HttpMethod.GET, "/bytes?n=lots"));
    channel.writeInbound(LastHttpContent.EMPTY_LAST_CONTENT);

    FullHttpResponse response = channel.readOutbound();
    assertThat(response.status().code()).isEqualTo(400);
    response.release();
    assertThat(channel.finish()).isFalse();
  }

  @Test
  void sha256_hashesTheBodyAsItArrives() throws Exception {
    EmbeddedChannel channel = new EmbeddedChannel(new BulkHandler());
    byte[] part = "0123456789".repeat(10_000).getBytes(StandardCharsets.US_ASCII);
    HttpRequest head = request(HttpMethod.POST, "/sha256");
    head.headers().set(HttpHeaderNames.EXPECT, HttpHeaderValues.CONTINUE);
    channel.writeInbound(head);
    HttpResponse continued = channel.readOutbound();
    assertThat(continued.status().code()).isEqualTo(100);

    HttpContent first = new DefaultHttpContent(Unpooled.wrappedBuffer(part));
    channel.writeInbound(first);
    assertThat(first.refCnt()).isZero();
    assertThat((Object) channel.readOutbound()).isNull();
    channel.writeInbound(new DefaultLastHttpContent(Unpooled.wrappedBuffer(part)));

    FullHttpResponse response = channel.readOutbound();
    MessageDigest digest = MessageDigest.getInstance("SHA-256");
    digest.update(part);
    digest.update(part);
    assertThat(response.content().toString(StandardCharsets.US_ASCII))
        .isEqualTo(HexFormat.of().formatHex(digest.digest()));
    response.release();
    assertThat(channel.finish()).isFalse();
  }

  @Test
  void otherRequests_passOnWithTheirContent() {
    EmbeddedChannel channel = new EmbeddedChannel(new BulkHandler());
    HttpRequest hello = request(HttpMethod.GET, "/hello");
    channel.writeInbound(hello, LastHttpContent.EMPTY_LAST_CONTENT);

    assertThat((Object) channel.readInbound()).isSameAs(hello);
    assertThat((Object) channel.readInbound()).isSameAs(LastHttpContent.EMPTY_LAST_CONTENT);
    assertThat((Object) channel.readOutbound()).isNull();
    assertThat(channel.finish()).isFalse();
  }

  private static HttpRequest request(HttpMethod method, String uri) {
    return new DefaultHttpRequest(HttpVersion.HTTP_1_1, method, uri);
  }
}
