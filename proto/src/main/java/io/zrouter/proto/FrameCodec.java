package io.zrouter.proto;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.UnsafeByteOperations;
import java.io.IOException;

/**
 * Turns one ZeroMQ message part into a validated {@link Frame} and back.
 *
 * <p>Decoding aliases the input array: {@code bytes} fields of the returned frame share the
 * caller's array instead of copying it, so the array must not be modified afterwards. Validation
 * rejects anything a peer must never send (see docs/protocol.md), so callers only ever see
 * well-formed frames.
 */
public final class FrameCodec {

  /** The protocol version this codebase speaks. */
  public static final int PROTOCOL_VERSION = 1;

  /**
   * Flow-control window of every stream in each direction, in body bytes: a sender may have this
   * many body bytes unacknowledged, counting those in the dispatched request, and then waits for
   * {@code window_update} credit. See docs/protocol.md, "Flow control".
   */
  public static final int INITIAL_WINDOW = 256 * 1024;

  private FrameCodec() {}

  /** Serializes a frame into one message part. */
  public static byte[] encode(Frame frame) {
    return frame.toByteArray();
  }

  /**
   * Parses and validates one message part. The frame's bytes fields (a body's data, a WebSocket
   * payload) are views of {@code part}, not copies, so the caller must not change it afterwards: a
   * ZeroMQ message part, received into a fresh array, never is.
   *
   * @throws MalformedFrameException when the part is not a valid frame
   */
  public static Frame decode(byte[] part) throws MalformedFrameException {
    Frame frame;
    try {
      // Protobuf aliases only input it is told is immutable: a plain newInstance(byte[]) copied
      // every body chunk out of the part.
      CodedInputStream input = UnsafeByteOperations.unsafeWrap(part).newCodedInput();
      input.enableAliasing(true);
      frame = Frame.parseFrom(input);
    } catch (InvalidProtocolBufferException e) {
      // stream_id is field 1 and comes first, so a part broken further on still names its stream.
      long streamId = e.getUnfinishedMessage() instanceof Frame partial ? partial.getStreamId() : 0;
      throw new MalformedFrameException("not a protobuf Frame: " + e.getMessage(), streamId);
    } catch (IOException e) {
      throw new MalformedFrameException("unreadable Frame: " + e.getMessage());
    }
    try {
      validate(frame);
    } catch (MalformedFrameException e) {
      throw new MalformedFrameException(e.getMessage(), frame.getStreamId());
    }
    return frame;
  }

  /** Checks the rules of docs/protocol.md that protobuf itself cannot express. */
  public static void validate(Frame frame) throws MalformedFrameException {
    Frame.KindCase kind = frame.getKindCase();
    if (kind == Frame.KindCase.KIND_NOT_SET) {
      throw new MalformedFrameException("frame has no kind (unknown or missing)");
    }
    boolean connectionLevel =
        kind == Frame.KindCase.HEARTBEAT
            || kind == Frame.KindCase.WORKER_HELLO
            || kind == Frame.KindCase.ROUTER_HELLO
            || kind == Frame.KindCase.WORKER_STATE;
    if (connectionLevel != (frame.getStreamId() == 0)) {
      throw new MalformedFrameException(
          kind + " frame must have stream_id " + (connectionLevel ? "0" : "other than 0"));
    }
    switch (kind) {
      case RESPONSE_HEAD -> validateResponseHead(frame.getResponseHead());
      case REQUEST_HEAD -> validateRequestHead(frame.getRequestHead());
      case TRAILERS -> validateHeaders(frame.getTrailers().getHeadersList());
      case WEBSOCKET_MESSAGE -> validateWebSocketMessage(frame.getWebsocketMessage());
      default -> {}
    }
  }

  private static void validateResponseHead(ResponseHead head) throws MalformedFrameException {
    int status = head.getStatus();
    if (status != 101 && (status < 200 || status > 599)) {
      throw new MalformedFrameException("response status out of range: " + status);
    }
    validateHeaders(head.getHeadersList());
  }

  private static void validateWebSocketMessage(WebSocketMessage message)
      throws MalformedFrameException {
    WebSocketMessage.Opcode opcode = message.getOpcode();
    if (opcode == WebSocketMessage.Opcode.OPCODE_UNSPECIFIED
        || opcode == WebSocketMessage.Opcode.UNRECOGNIZED) {
      throw new MalformedFrameException("websocket message without a known opcode");
    }
  }

  private static void validateRequestHead(RequestHead head) throws MalformedFrameException {
    if (head.getMethod().isEmpty() || !isToken(head.getMethod())) {
      throw new MalformedFrameException("request method is not a token: " + head.getMethod());
    }
    if (head.getPath().isEmpty()) {
      throw new MalformedFrameException("request path is empty");
    }
    validateHeaders(head.getHeadersList());
  }

  private static void validateHeaders(java.util.List<Header> headers)
      throws MalformedFrameException {
    for (int h = 0, n = headers.size(); h < n; h++) {
      Header header = headers.get(h);
      String name = header.getName();
      if (name.isEmpty() || !isToken(name)) {
        throw new MalformedFrameException("header name is not a token: " + name);
      }
      if (!isHeaderValue(header.getValue())) {
        throw new MalformedFrameException("illegal character in header " + name);
      }
    }
  }

  /** Whether every character of {@code s} is an RFC 9110 token character (true for ""). */
  public static boolean isToken(String s) {
    for (int i = 0, len = s.length(); i < len; i++) {
      char c = s.charAt(i);
      if (c >= 0x80 || !TOKEN[c]) {
        return false;
      }
    }
    return true;
  }

  /**
   * Whether {@code value} may be a header value on the wire: Latin-1 (what an HTTP/1.1 field
   * carries) without CR, LF or NUL.
   */
  public static boolean isHeaderValue(String value) {
    for (int i = 0, len = value.length(); i < len; i++) {
      char c = value.charAt(i);
      if (c >= 0x100 || ILLEGAL_IN_VALUE[c]) {
        return false;
      }
    }
    return true;
  }

  // Lookup tables: these checks run on every header of every frame, on the router's link thread
  // and on each worker's IO thread, where a chain of comparisons per character showed in profiles.
  private static final boolean[] TOKEN = new boolean[0x80];
  private static final boolean[] ILLEGAL_IN_VALUE = new boolean[0x100];

  static {
    for (char c = 'a'; c <= 'z'; c++) {
      TOKEN[c] = true;
    }
    for (char c = 'A'; c <= 'Z'; c++) {
      TOKEN[c] = true;
    }
    for (char c = '0'; c <= '9'; c++) {
      TOKEN[c] = true;
    }
    for (char c : "!#$%&'*+-.^_`|~".toCharArray()) {
      TOKEN[c] = true;
    }
    ILLEGAL_IN_VALUE['\r'] = true;
    ILLEGAL_IN_VALUE['\n'] = true;
    ILLEGAL_IN_VALUE[0] = true;
  }

  /**
   * Whether the sender's side of a stream ends with this frame: a head or body with {@code
   * end_stream}, trailers, a reset, or a WebSocket close.
   */
  public static boolean endsStream(Frame frame) {
    return switch (frame.getKindCase()) {
      case RESPONSE_HEAD -> frame.getResponseHead().getEndStream();
      case BODY -> frame.getBody().getEndStream();
      case TRAILERS, RESET -> true;
      case WEBSOCKET_MESSAGE ->
          frame.getWebsocketMessage().getOpcode() == WebSocketMessage.Opcode.OPCODE_CLOSE;
      default -> false;
    };
  }
}
