package io.zrouter.proto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import org.junit.jupiter.api.Test;

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
}
