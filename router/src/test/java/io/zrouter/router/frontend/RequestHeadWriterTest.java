package io.zrouter.router.frontend;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.AsciiString;
import io.zrouter.proto.Frame;
import io.zrouter.proto.FrameCodec;
import io.zrouter.proto.Header;
import io.zrouter.proto.RequestHead;
import java.util.Iterator;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The hand-written request head is byte for byte what the generated code writes. */
class RequestHeadWriterTest {

  /** What the generated code makes of the same head. */
  private static byte[] generated(RequestHeadWriter.Head h) {
    RequestHead.Builder head =
        RequestHead.newBuilder()
            .setProtocolVersion(FrameCodec.PROTOCOL_VERSION)
            .setMethod(h.method())
            .setScheme(h.scheme())
            .setAuthority(h.authority().toString())
            .setPath(h.path())
            .setHttpVersion(h.httpVersion())
            .setRemoteAddress(h.remoteAddress())
            .setRequestId(h.requestId())
            .setDeadlineUnixMs(h.deadlineUnixMs())
            .setEndStream(h.endStream())
            .setContentLength(h.contentLength())
            .setAddressedPort(h.addressedPort())
            .setWebsocket(h.websocket())
            .setAwaitStart(h.awaitStart());
    Iterator<Map.Entry<CharSequence, CharSequence>> it = h.headers().iteratorCharSequence();
    while (it.hasNext()) {
      Map.Entry<CharSequence, CharSequence> e = it.next();
      head.addHeaders(
          Header.newBuilder()
              .setName(AsciiString.of(e.getKey()).toLowerCase().toString())
              .setValue(e.getValue().toString()));
    }
    return Frame.newBuilder().setStreamId(h.streamId()).setRequestHead(head).build().toByteArray();
  }

  private static RequestHeadWriter.Head head(
      long streamId, HttpHeaders headers, long contentLength, boolean endStream, boolean flags) {
    return new RequestHeadWriter.Head(
        streamId,
        "POST",
        "https",
        headers.get("host", ""),
        "/upload?name=caf%C3%A9",
        headers,
        "HTTP/1.1",
        "[::1]:50123",
        "6c1f0e5a9b2d4c7e8f1a2b3c4d5e6f70",
        1_767_225_600_000L,
        endStream,
        contentLength,
        flags ? 5556 : 0,
        flags,
        flags);
  }

  @Test
  void aTypicalRequest_isWrittenAsTheGeneratedCodeWritesIt() throws Exception {
    HttpHeaders headers = new DefaultHttpHeaders();
    headers.add("Host", "example.test:8080");
    headers.add("User-Agent", "curl/8.5.0");
    headers.add("Accept", "*/*");
    headers.add("x-forwarded-for", "127.0.0.1");
    RequestHeadWriter.Head head = head(7, headers, 1024, false, true);

    byte[] written = RequestHeadWriter.write(head);

    assertThat(written).isEqualTo(generated(head));
    assertThat(FrameCodec.decode(written).getRequestHead().getHeaders(1).getName())
        .isEqualTo("user-agent");
  }

  @Test
  void defaults_chunkedLength_emptyHost_andLatin1Values_matchToo() {
    HttpHeaders headers = new DefaultHttpHeaders(false);
    headers.add("X-Name", "caf\u00e9 \u00ff"); // octets 0x80..0xff, as Netty decodes them
    headers.add("x-empty", "");
    assertThat(RequestHeadWriter.write(head(1, headers, -1, false, false)))
        .isEqualTo(generated(head(1, headers, -1, false, false)));
    assertThat(RequestHeadWriter.write(head(0, new DefaultHttpHeaders(), 0, true, false)))
        .isEqualTo(generated(head(0, new DefaultHttpHeaders(), 0, true, false)));
  }

  @Test
  void asciiStringNamesAndValues_asNettyAndHttp2Give_matchToo() {
    HttpHeaders headers = new DefaultHttpHeaders(false);
    headers.add(HttpHeaderNames.HOST, AsciiString.of("example.test"));
    headers.add(
        AsciiString.of("X-Mixed-Case"), new AsciiString(new byte[] {'a', (byte) 0xe9, 'z'}));
    headers.add(
        AsciiString.of("x-slice").subSequence(0, 5, false),
        AsciiString.of("value!").subSequence(1, 4, false));
    assertThat(RequestHeadWriter.write(head(3, headers, 10, false, true)))
        .isEqualTo(generated(head(3, headers, 10, false, true)));
  }

  @Test
  void anyString_evenOutsideLatin1_isUtf8AsProtobufWritesIt() {
    HttpHeaders headers = new DefaultHttpHeaders(false);
    headers.add("x-set-by-router", "\u20ac \ud83d\ude00 \ud800 end"); // 3-byte, pair, lone
    assertThat(RequestHeadWriter.write(head(9, headers, 3, false, true)))
        .isEqualTo(generated(head(9, headers, 3, false, true)));
  }

  @Test
  void manyRandomHeads_match() {
    Random random = new Random(42);
    for (int round = 0; round < 500; round++) {
      HttpHeaders headers = new DefaultHttpHeaders(false);
      int count = random.nextInt(40);
      for (int i = 0; i < count; i++) {
        headers.add(token(random), latin1(random, random.nextInt(i == 0 ? 300 : 40)));
      }
      RequestHeadWriter.Head head =
          head(
              random.nextLong() & Long.MAX_VALUE,
              headers,
              random.nextInt(3) - 1L,
              random.nextBoolean(),
              random.nextBoolean());
      assertThat(RequestHeadWriter.write(head)).isEqualTo(generated(head));
    }
  }

  private static String token(Random random) {
    String chars = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.!#$%&'*+^`|~";
    StringBuilder out = new StringBuilder();
    for (int i = 1 + random.nextInt(20); i > 0; i--) {
      out.append(chars.charAt(random.nextInt(chars.length())));
    }
    return out.toString();
  }

  private static String latin1(Random random, int length) {
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < length; i++) {
      char c = (char) (0x20 + random.nextInt(0xe0));
      out.append(c == 0x7f ? 'x' : c);
    }
    return out.toString();
  }
}
