package io.zrouter.worker.internal;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.zrouter.proto.Body;
import io.zrouter.proto.Frame;
import io.zrouter.proto.FrameCodec;
import io.zrouter.proto.Header;
import io.zrouter.proto.ResponseHead;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The hand-written response frames are byte for byte what the generated classes write. */
class ResponseFrameWriterTest {

  private static byte[] generatedHead(
      long streamId, int status, List<String> headers, boolean endStream) {
    ResponseHead.Builder head = ResponseHead.newBuilder().setStatus(status).setEndStream(endStream);
    for (int i = 0; i < headers.size(); i += 2) {
      head.addHeaders(Header.newBuilder().setName(headers.get(i)).setValue(headers.get(i + 1)));
    }
    return Frame.newBuilder().setStreamId(streamId).setResponseHead(head).build().toByteArray();
  }

  @ParameterizedTest
  @ValueSource(longs = {1, 127, 128, 16_383, 16_384, 1L << 40, Long.MAX_VALUE})
  void aHead_isWhatTheGeneratedCodeWrites(long streamId) throws Exception {
    List<String> headers =
        List.of(
            "content-type", "text/plain; charset=utf-8",
            "content-length", "14",
            "x-empty", "",
            "x-latin1", "caf\u00e9",
            "x-worker-id", "w1");
    for (boolean endStream : new boolean[] {false, true}) {
      byte[] written = ResponseFrameWriter.head(streamId, 200, headers, endStream);
      assertThat(written).isEqualTo(generatedHead(streamId, 200, headers, endStream));
      Frame decoded = FrameCodec.decode(written);
      assertThat(decoded.getResponseHead().getHeaders(3).getValue()).isEqualTo("caf\u00e9");
      assertThat(decoded.getResponseHead().getEndStream()).isEqualTo(endStream);
    }
  }

  @Test
  void headsOfManySizes_matchTheGeneratedCode() {
    Random random = new Random(42);
    for (int round = 0; round < 500; round++) {
      List<String> headers = new ArrayList<>();
      int count = random.nextInt(40);
      for (int i = 0; i < count; i++) {
        headers.add("x-" + Integer.toString(random.nextInt(1 << 20), 36));
        headers.add("v".repeat(random.nextInt(300)));
      }
      int status = 101 + random.nextInt(499);
      long streamId = random.nextLong() & Long.MAX_VALUE;
      boolean endStream = random.nextBoolean();
      assertThat(ResponseFrameWriter.head(streamId, status, headers, endStream))
          .isEqualTo(generatedHead(streamId, status, headers, endStream));
    }
  }

  @Test
  void aHeadWithoutHeaders_matchesTheGeneratedCode() {
    assertThat(ResponseFrameWriter.head(9, 204, List.of(), true))
        .isEqualTo(generatedHead(9, 204, List.of(), true));
  }

  @ParameterizedTest
  @ValueSource(ints = {0, 1, 127, 128, 16_384, 65_536})
  void aBody_isWhatTheGeneratedCodeWrites_forASliceOfTheArray(int length) throws Exception {
    byte[] data = new byte[length + 10];
    new Random(length).nextBytes(data);
    for (boolean endStream : new boolean[] {false, true}) {
      byte[] written = ResponseFrameWriter.body(77, data, 5, length, endStream);
      byte[] generated =
          Frame.newBuilder()
              .setStreamId(77)
              .setBody(
                  Body.newBuilder()
                      .setData(ByteString.copyFrom(data, 5, length))
                      .setEndStream(endStream))
              .build()
              .toByteArray();
      assertThat(written).isEqualTo(generated);
      assertThat(FrameCodec.decode(written).getBody().getData().toByteArray())
          .isEqualTo(java.util.Arrays.copyOfRange(data, 5, 5 + length));
    }
  }

  @Test
  void anEmptyLastBody_isJustItsEnd() throws Exception {
    Frame decoded = FrameCodec.decode(ResponseFrameWriter.body(3, new byte[0], 0, 0, true));
    assertThat(decoded.getBody().getEndStream()).isTrue();
    assertThat(decoded.getBody().getData().toString(StandardCharsets.UTF_8)).isEmpty();
  }
}
