package io.zrouter.router.frontend;

import com.google.protobuf.CodedOutputStream;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.AsciiString;
import io.zrouter.proto.FrameCodec;
import java.util.Iterator;
import java.util.Map;

/**
 * Writes a {@code Frame{stream_id, request_head}} straight from Netty's headers, in the bytes the
 * generated {@code RequestHead} would serialize to: no builder, no {@code Header} objects, no
 * {@code String} copies of names and values. The request head is the one message every request
 * costs, so this is hot: a profile of the router under GET load had the generated path (builders,
 * size computation, UTF-8 encoding) at about 6% of its event loops.
 *
 * <p>Field numbers and wire types follow {@code frames.proto}; proto3 leaves out fields at their
 * default (0, empty, false). Header names are lower-cased (they are ASCII tokens, as Netty's
 * decoders check); every string is UTF-8, as protobuf writes it. {@code RequestHeadWriterTest}
 * checks the bytes against the generated code's.
 */
final class RequestHeadWriter {
  // Frame
  private static final int FRAME_STREAM_ID = 1;
  private static final int FRAME_REQUEST_HEAD = 2;
  // RequestHead
  private static final int PROTOCOL_VERSION = 1;
  private static final int METHOD = 2;
  private static final int SCHEME = 3;
  private static final int AUTHORITY = 4;
  private static final int PATH = 5;
  private static final int HEADERS = 6;
  private static final int HTTP_VERSION = 7;
  private static final int REMOTE_ADDRESS = 8;
  private static final int REQUEST_ID = 9;
  private static final int DEADLINE_UNIX_MS = 10;
  private static final int END_STREAM = 11;
  private static final int CONTENT_LENGTH = 12;
  private static final int ADDRESSED_PORT = 13;
  private static final int WEBSOCKET = 14;
  private static final int AWAIT_START = 15;
  // Header
  private static final int HEADER_NAME = 1;
  private static final int HEADER_VALUE = 2;

  private static final int VARINT = 0;
  private static final int LENGTH_DELIMITED = 2;

  /** Everything in a request head; {@code headers} are written in their iteration order. */
  record Head(
      long streamId,
      String method,
      String scheme,
      CharSequence authority,
      String path,
      HttpHeaders headers,
      String httpVersion,
      String remoteAddress,
      String requestId,
      long deadlineUnixMs,
      boolean endStream,
      long contentLength,
      int addressedPort,
      boolean websocket,
      boolean awaitStart) {}

  private final byte[] out;
  private int position;

  private RequestHeadWriter(int size) {
    this.out = new byte[size];
  }

  /** The serialized frame. */
  static byte[] write(Head head) {
    int headSize = headSize(head);
    int frameSize =
        (head.streamId() == 0 ? 0 : 1 + CodedOutputStream.computeUInt64SizeNoTag(head.streamId()))
            + 1
            + CodedOutputStream.computeUInt32SizeNoTag(headSize)
            + headSize;
    RequestHeadWriter w = new RequestHeadWriter(frameSize);
    if (head.streamId() != 0) {
      w.tag(FRAME_STREAM_ID, VARINT);
      w.varint(head.streamId());
    }
    w.tag(FRAME_REQUEST_HEAD, LENGTH_DELIMITED);
    w.varint(headSize);
    w.head(head);
    if (w.position != frameSize) {
      throw new IllegalStateException("request head sized " + frameSize + ", wrote " + w.position);
    }
    return w.out;
  }

  private static int headSize(Head h) {
    int size = varintField(FrameCodec.PROTOCOL_VERSION);
    size += stringField(h.method()) + stringField(h.scheme()) + stringField(h.authority());
    size += stringField(h.path());
    Iterator<Map.Entry<CharSequence, CharSequence>> it = h.headers().iteratorCharSequence();
    while (it.hasNext()) {
      Map.Entry<CharSequence, CharSequence> header = it.next();
      int entry = headerSize(header.getKey(), header.getValue());
      size += 1 + CodedOutputStream.computeUInt32SizeNoTag(entry) + entry;
    }
    size += stringField(h.httpVersion()) + stringField(h.remoteAddress());
    size += stringField(h.requestId()) + varintField(h.deadlineUnixMs());
    size += boolField(h.endStream()) + varintField(h.contentLength());
    size += varintField(h.addressedPort()) + boolField(h.websocket()) + boolField(h.awaitStart());
    return size;
  }

  private void head(Head h) {
    varintField(PROTOCOL_VERSION, FrameCodec.PROTOCOL_VERSION);
    stringField(METHOD, h.method());
    stringField(SCHEME, h.scheme());
    stringField(AUTHORITY, h.authority());
    stringField(PATH, h.path());
    Iterator<Map.Entry<CharSequence, CharSequence>> it = h.headers().iteratorCharSequence();
    while (it.hasNext()) {
      Map.Entry<CharSequence, CharSequence> header = it.next();
      CharSequence name = header.getKey();
      CharSequence value = header.getValue();
      tag(HEADERS, LENGTH_DELIMITED);
      varint(headerSize(name, value));
      tag(HEADER_NAME, LENGTH_DELIMITED);
      varint(utf8Length(name));
      lowerCaseAscii(name);
      stringField(HEADER_VALUE, value);
    }
    stringField(HTTP_VERSION, h.httpVersion());
    stringField(REMOTE_ADDRESS, h.remoteAddress());
    stringField(REQUEST_ID, h.requestId());
    varintField(DEADLINE_UNIX_MS, h.deadlineUnixMs());
    boolField(END_STREAM, h.endStream());
    varintField(CONTENT_LENGTH, h.contentLength());
    varintField(ADDRESSED_PORT, h.addressedPort());
    boolField(WEBSOCKET, h.websocket());
    boolField(AWAIT_START, h.awaitStart());
  }

  /** A {@code Header{name, value}}'s size; the name is never empty (a token). */
  private static int headerSize(CharSequence name, CharSequence value) {
    int n = utf8Length(name);
    return 1 + CodedOutputStream.computeUInt32SizeNoTag(n) + n + stringField(value);
  }

  // Sizes of whole fields (tag included), 0 for a default value. Every tag here is one byte.

  private static int stringField(CharSequence s) {
    if (s.length() == 0) {
      return 0;
    }
    int n = utf8Length(s);
    return 1 + CodedOutputStream.computeUInt32SizeNoTag(n) + n;
  }

  private static int varintField(long value) {
    return value == 0 ? 0 : 1 + CodedOutputStream.computeUInt64SizeNoTag(value);
  }

  private static int boolField(boolean value) {
    return value ? 2 : 0;
  }

  /**
   * UTF-8 length as protobuf encodes a Java string (an unpaired surrogate becomes '?'). Netty's
   * headers are Strings and AsciiStrings: each gets its own loop, so the JIT sees one type's charAt
   * (a CharSequence call per char was megamorphic, and cost more than the encoding).
   */
  private static int utf8Length(CharSequence s) {
    if (s instanceof String string) {
      return utf8Length(string);
    }
    if (s instanceof AsciiString ascii) {
      return latin1Utf8Length(ascii);
    }
    return utf8Length(s.toString());
  }

  /** An AsciiString holds octets: each one at 0x80 or above takes two bytes in UTF-8. */
  private static int latin1Utf8Length(AsciiString s) {
    byte[] bytes = s.array();
    int end = s.arrayOffset() + s.length();
    int length = s.length();
    for (int i = s.arrayOffset(); i < end; i++) {
      if (bytes[i] < 0) {
        length++;
      }
    }
    return length;
  }

  private static int utf8Length(String s) {
    int length = s.length();
    int bytes = length;
    for (int i = 0; i < length; i++) {
      char c = s.charAt(i);
      if (c >= 0x80) {
        if (c < 0x800) {
          bytes += 1;
        } else if (Character.isHighSurrogate(c)
            && i + 1 < length
            && Character.isLowSurrogate(s.charAt(i + 1))) {
          bytes += 2; // 4 bytes for the pair's 2 chars
          i++;
        } else if (Character.isSurrogate(c)) {
          bytes += 0; // written as '?'
        } else {
          bytes += 2;
        }
      }
    }
    return bytes;
  }

  // Writers

  private void tag(int field, int wireType) {
    out[position++] = (byte) (field << 3 | wireType); // fields 1..15: one byte
  }

  private void varint(long value) {
    while ((value & ~0x7FL) != 0) {
      out[position++] = (byte) ((value & 0x7F) | 0x80);
      value >>>= 7;
    }
    out[position++] = (byte) value;
  }

  private void varintField(int field, long value) {
    if (value != 0) {
      tag(field, VARINT);
      varint(value);
    }
  }

  private void boolField(int field, boolean value) {
    if (value) {
      tag(field, VARINT);
      out[position++] = 1;
    }
  }

  private void stringField(int field, CharSequence s) {
    if (s.length() != 0) {
      tag(field, LENGTH_DELIMITED);
      varint(utf8Length(s));
      utf8(s);
    }
  }

  private void lowerCaseAscii(CharSequence name) {
    if (name instanceof AsciiString ascii) {
      byte[] bytes = ascii.array();
      int end = ascii.arrayOffset() + ascii.length();
      for (int i = ascii.arrayOffset(); i < end; i++) {
        byte b = bytes[i];
        if (b < 0) {
          latin1(ascii.subSequence(i - ascii.arrayOffset(), ascii.length(), false));
          return; // not a token; kept as it is, never malformed
        }
        out[position++] = b >= 'A' && b <= 'Z' ? (byte) (b + ('a' - 'A')) : b;
      }
      return;
    }
    String string = name.toString();
    for (int i = 0; i < string.length(); i++) {
      char c = string.charAt(i);
      if (c >= 0x80) {
        utf8(string.substring(i)); // not a token; kept as it is, never malformed
        return;
      }
      out[position++] = (byte) (c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c);
    }
  }

  private void utf8(CharSequence s) {
    if (s instanceof String string) {
      utf8(string);
    } else if (s instanceof AsciiString ascii) {
      latin1(ascii);
    } else {
      utf8(s.toString());
    }
  }

  private void latin1(AsciiString s) {
    byte[] bytes = s.array();
    int end = s.arrayOffset() + s.length();
    for (int i = s.arrayOffset(); i < end; i++) {
      byte b = bytes[i];
      if (b >= 0) {
        out[position++] = b;
      } else {
        out[position++] = (byte) (0xC0 | (b & 0xFF) >>> 6);
        out[position++] = (byte) (0x80 | (b & 0x3F));
      }
    }
  }

  private void utf8(String s) {
    int length = s.length();
    for (int i = 0; i < length; i++) {
      char c = s.charAt(i);
      if (c < 0x80) {
        out[position++] = (byte) c;
      } else if (c < 0x800) {
        out[position++] = (byte) (0xC0 | c >>> 6);
        out[position++] = (byte) (0x80 | (c & 0x3F));
      } else if (Character.isHighSurrogate(c)
          && i + 1 < length
          && Character.isLowSurrogate(s.charAt(i + 1))) {
        int cp = Character.toCodePoint(c, s.charAt(++i));
        out[position++] = (byte) (0xF0 | cp >>> 18);
        out[position++] = (byte) (0x80 | ((cp >>> 12) & 0x3F));
        out[position++] = (byte) (0x80 | ((cp >>> 6) & 0x3F));
        out[position++] = (byte) (0x80 | (cp & 0x3F));
      } else if (Character.isSurrogate(c)) {
        out[position++] = '?';
      } else {
        out[position++] = (byte) (0xE0 | c >>> 12);
        out[position++] = (byte) (0x80 | ((c >>> 6) & 0x3F));
        out[position++] = (byte) (0x80 | (c & 0x3F));
      }
    }
  }
}
