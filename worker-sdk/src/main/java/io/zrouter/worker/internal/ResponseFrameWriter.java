package io.zrouter.worker.internal;

import com.google.protobuf.CodedOutputStream;
import java.util.List;

/**
 * Writes the two frames every response is made of, {@code Frame{stream_id, response_head}} and
 * {@code Frame{stream_id, body}}, in the bytes the generated classes would serialize to, without
 * building them: no builders, no {@code Header} message per header. A profile of a worker serving
 * {@code GET /hello} had the generated path (builders, {@code buildPartialOneofs}, size
 * memoization, {@code writeTo}) at about a tenth of its IO thread.
 *
 * <p>Field numbers follow {@code frames.proto}; proto3 leaves out fields at their default (0,
 * empty, false). {@code ResponseFrameWriterTest} checks the bytes against the generated code's.
 */
final class ResponseFrameWriter {
  // Frame
  private static final int FRAME_STREAM_ID = 1;
  private static final int FRAME_RESPONSE_HEAD = 3;
  private static final int FRAME_BODY = 4;
  // ResponseHead
  private static final int HEAD_STATUS = 1;
  private static final int HEAD_HEADERS = 2;
  private static final int HEAD_END_STREAM = 3;
  // Header
  private static final int HEADER_NAME = 1;
  private static final int HEADER_VALUE = 2;
  // Body
  private static final int BODY_DATA = 1;
  private static final int BODY_END_STREAM = 2;

  private ResponseFrameWriter() {}

  /**
   * A response head frame.
   *
   * @param headers names and values in turn: name, value, name, value...
   */
  static byte[] head(long streamId, int status, List<String> headers, boolean endStream) {
    int headSize = status == 0 ? 0 : 1 + CodedOutputStream.computeUInt32SizeNoTag(status);
    for (int i = 0, n = headers.size(); i < n; i += 2) {
      int header = headerSize(headers.get(i), headers.get(i + 1));
      headSize += 1 + CodedOutputStream.computeUInt32SizeNoTag(header) + header;
    }
    headSize += endStream ? 2 : 0;
    try {
      byte[] out = new byte[frameSize(streamId, headSize)];
      CodedOutputStream w = CodedOutputStream.newInstance(out);
      streamId(w, streamId);
      w.writeTag(FRAME_RESPONSE_HEAD, 2);
      w.writeUInt32NoTag(headSize);
      if (status != 0) {
        w.writeUInt32(HEAD_STATUS, status);
      }
      for (int i = 0, n = headers.size(); i < n; i += 2) {
        String name = headers.get(i);
        String value = headers.get(i + 1);
        w.writeTag(HEAD_HEADERS, 2);
        w.writeUInt32NoTag(headerSize(name, value));
        if (!name.isEmpty()) {
          w.writeString(HEADER_NAME, name);
        }
        if (!value.isEmpty()) {
          w.writeString(HEADER_VALUE, value);
        }
      }
      if (endStream) {
        w.writeBool(HEAD_END_STREAM, true);
      }
      w.checkNoSpaceLeft();
      return out;
    } catch (java.io.IOException e) {
      throw new IllegalStateException("response head sized wrong", e); // a bug, not I/O
    }
  }

  /** A body frame carrying {@code len} bytes of {@code data} from {@code off}. */
  static byte[] body(long streamId, byte[] data, int off, int len, boolean endStream) {
    int bodySize =
        (len == 0 ? 0 : 1 + CodedOutputStream.computeUInt32SizeNoTag(len) + len)
            + (endStream ? 2 : 0);
    try {
      byte[] out = new byte[frameSize(streamId, bodySize)];
      CodedOutputStream w = CodedOutputStream.newInstance(out);
      streamId(w, streamId);
      w.writeTag(FRAME_BODY, 2);
      w.writeUInt32NoTag(bodySize);
      if (len != 0) {
        w.writeTag(BODY_DATA, 2);
        w.writeUInt32NoTag(len);
        w.writeRawBytes(data, off, len);
      }
      if (endStream) {
        w.writeBool(BODY_END_STREAM, true);
      }
      w.checkNoSpaceLeft();
      return out;
    } catch (java.io.IOException e) {
      throw new IllegalStateException("body frame sized wrong", e);
    }
  }

  private static int frameSize(long streamId, int kindSize) {
    return (streamId == 0 ? 0 : 1 + CodedOutputStream.computeUInt64SizeNoTag(streamId))
        + 1
        + CodedOutputStream.computeUInt32SizeNoTag(kindSize)
        + kindSize;
  }

  private static void streamId(CodedOutputStream w, long streamId) throws java.io.IOException {
    if (streamId != 0) {
      w.writeUInt64(FRAME_STREAM_ID, streamId);
    }
  }

  private static int headerSize(String name, String value) {
    return (name.isEmpty() ? 0 : CodedOutputStream.computeStringSize(HEADER_NAME, name))
        + (value.isEmpty() ? 0 : CodedOutputStream.computeStringSize(HEADER_VALUE, value));
  }
}
