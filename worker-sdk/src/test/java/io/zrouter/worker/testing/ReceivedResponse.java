package io.zrouter.worker.testing;

import io.zrouter.proto.Frame;
import io.zrouter.proto.Header;
import io.zrouter.proto.ResetReason;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** The frames a worker sent for one stream, read as an HTTP response. */
public final class ReceivedResponse {
  private final List<Frame> frames;

  ReceivedResponse(List<Frame> frames) {
    this.frames = List.copyOf(frames);
  }

  /** Whether the worker's side of a stream ends with this frame. */
  public static boolean endsStream(Frame frame) {
    return switch (frame.getKindCase()) {
      case RESPONSE_HEAD -> frame.getResponseHead().getEndStream();
      case BODY -> frame.getBody().getEndStream();
      case TRAILERS, RESET -> true;
      default -> false;
    };
  }

  /** Every frame, in order. */
  public List<Frame> frames() {
    return frames;
  }

  /** The response status, or 0 when no head was sent. */
  public int status() {
    return frames.isEmpty() || !frames.get(0).hasResponseHead()
        ? 0
        : frames.get(0).getResponseHead().getStatus();
  }

  /** The first value of a response header, or null. */
  public String header(String name) {
    List<String> values = headers(name);
    return values.isEmpty() ? null : values.get(0);
  }

  /** Every value of a response header. */
  public List<String> headers(String name) {
    List<String> values = new ArrayList<>();
    if (!frames.isEmpty() && frames.get(0).hasResponseHead()) {
      for (Header h : frames.get(0).getResponseHead().getHeadersList()) {
        if (h.getName().equals(name)) {
          values.add(h.getValue());
        }
      }
    }
    return values;
  }

  /** The concatenated body bytes. */
  public byte[] body() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (Frame f : frames) {
      if (f.hasBody()) {
        byte[] chunk = f.getBody().getData().toByteArray();
        out.write(chunk, 0, chunk.length);
      }
    }
    return out.toByteArray();
  }

  /** The body as UTF-8 text. */
  public String bodyText() {
    return new String(body(), StandardCharsets.UTF_8);
  }

  /** How many body frames were sent. */
  public long bodyFrames() {
    return frames.stream().filter(Frame::hasBody).count();
  }

  /** The reset reason when the stream ended with a reset, else null. */
  /** The value of trailer {@code name}, or null when the response had no such trailer. */
  public String trailer(String name) {
    for (Frame f : frames) {
      if (f.hasTrailers()) {
        for (io.zrouter.proto.Header h : f.getTrailers().getHeadersList()) {
          if (h.getName().equals(name)) {
            return h.getValue();
          }
        }
      }
    }
    return null;
  }

  public ResetReason resetReason() {
    Frame last = frames.get(frames.size() - 1);
    return last.hasReset() ? last.getReset().getReason() : null;
  }

  @Override
  public String toString() {
    return frames.toString();
  }
}
