package io.zrouter.proto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Decoding a message part: validated, and its body bytes viewed in place, not copied. */
class FrameCodecTest {

  private static byte[] body(long streamId, byte[] data) {
    return FrameCodec.encode(
        Frame.newBuilder()
            .setStreamId(streamId)
            .setBody(Body.newBuilder().setData(ByteString.copyFrom(data)).setEndStream(true))
            .build());
  }

  @Test
  void aBodysData_isAViewOfThePart_notACopy() throws Exception {
    byte[] part = body(7, new byte[] {1, 2, 3, 4});
    Frame frame = FrameCodec.decode(part);
    assertThat(frame.getBody().getData().toByteArray()).containsExactly(1, 2, 3, 4);

    int data = 0;
    while (!(part[data] == 1 && part[data + 1] == 2 && part[data + 2] == 3)) {
      data++;
    }
    part[data + 1] = 9; // the part changes under the frame: its data is that very array
    assertThat(frame.getBody().getData().byteAt(1)).isEqualTo((byte) 9);
  }

  @Test
  void aPartThatIsNoFrame_isMalformed_andNamesItsStreamWhenItCan() {
    byte[] part = body(42, new byte[100]);
    byte[] cut = java.util.Arrays.copyOf(part, part.length - 10);
    assertThatThrownBy(() -> FrameCodec.decode(cut))
        .isInstanceOf(MalformedFrameException.class)
        .satisfies(e -> assertThat(((MalformedFrameException) e).streamId()).isEqualTo(42));
  }

  @Test
  void aHeaderNameThatIsNoToken_isMalformed() {
    byte[] part =
        FrameCodec.encode(
            Frame.newBuilder()
                .setStreamId(1)
                .setResponseHead(
                    ResponseHead.newBuilder()
                        .setStatus(200)
                        .addHeaders(Header.newBuilder().setName("bad name").setValue("v")))
                .build());
    assertThatThrownBy(() -> FrameCodec.decode(part)).isInstanceOf(MalformedFrameException.class);
  }

  private static byte[] responseWithHeader(String name, String value) {
    return FrameCodec.encode(
        Frame.newBuilder()
            .setStreamId(1)
            .setResponseHead(
                ResponseHead.newBuilder()
                    .setStatus(200)
                    .addHeaders(Header.newBuilder().setName("x-ok").setValue("fine"))
                    .addHeaders(Header.newBuilder().setName(name).setValue(value)))
            .build());
  }

  @ParameterizedTest
  @ValueSource(strings = {"a", "Content-Type", "x-9", "!#$%&'*+-.^_`|~", "ZZ", "0"})
  void headerNamesMadeOfTokenCharacters_pass(String name) throws Exception {
    assertThat(
            FrameCodec.decode(responseWithHeader(name, "v"))
                .getResponseHead()
                .getHeaders(1)
                .getName())
        .isEqualTo(name);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {"", "a b", "a:b", "x\"y", "caf\u00e9", "\u0100", "a/b", "a\tb", "{", "\u007f"})
  void headerNamesWithAnyOtherCharacter_areMalformed(String name) {
    assertThatThrownBy(() -> FrameCodec.decode(responseWithHeader(name, "v")))
        .isInstanceOf(MalformedFrameException.class);
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "text/plain; charset=utf-8", "a\tb", "caf\u00e9", "\u00ff", " x "})
  void headerValuesOfLatin1WithoutCrLfOrNul_pass(String value) throws Exception {
    assertThat(
            FrameCodec.decode(responseWithHeader("x", value))
                .getResponseHead()
                .getHeaders(1)
                .getValue())
        .isEqualTo(value);
  }

  @ParameterizedTest
  @ValueSource(strings = {"a\rb", "a\nb", "a\u0000b", "\u0100", "\u4e2d", "ok\r\nx-injected: 1"})
  void headerValuesWithCrLfNulOrBeyondLatin1_areMalformed(String value) {
    assertThatThrownBy(() -> FrameCodec.decode(responseWithHeader("x", value)))
        .isInstanceOf(MalformedFrameException.class);
  }
}
