package io.zrouter.worker;

import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * An open WebSocket, from {@link Response#acceptWebSocket()}. The router holds the connection to
 * the client and does the framing, pings and close handshake; a handler sees whole messages.
 *
 * <p>The handler thread that accepted it owns the session until the handler returns: a handler that
 * returns without closing closes with {@code 1000}, one that throws closes with {@code 1011}. Sends
 * are safe from any thread. A router reset (the client went away) or the worker stopping ends the
 * session: {@link #receive()} returns {@code null} and sends throw an {@link IOException}.
 */
public interface WebSocket {

  /**
   * The next message from the client, waiting for one; {@code null} once the session is closed (by
   * the client, by this side, by a router reset or because the worker stops).
   *
   * @throws java.io.InterruptedIOException when interrupted while waiting
   */
  Message receive() throws IOException;

  /** Sends a text message. */
  void sendText(String text) throws IOException;

  /** Sends a binary message; the array is not kept. */
  void sendBinary(byte[] data) throws IOException;

  /**
   * Closes the session with a status code (e.g. {@code 1000}, normal) and a short reason. Does
   * nothing when already closed.
   *
   * @throws IllegalArgumentException when the code may not be sent (RFC 6455: 1000..4999 but 1004,
   *     1005, 1006, 1015) or the reason is over 123 bytes of UTF-8
   */
  void close(int code, String reason);

  /** Whether messages can still go both ways. */
  boolean isOpen();

  /** The close code the client sent, {@code 1005} when it sent none, or -1 before it closed. */
  int closeCode();

  /** One message from the client: text or binary, whole (the router joins fragments). */
  final class Message {
    /** Which kind of WebSocket message. */
    public enum Type {
      TEXT,
      BINARY
    }

    private final Type type;
    private final byte[] data;

    public Message(Type type, byte[] data) {
      this.type = type;
      this.data = data;
    }

    public Type type() {
      return type;
    }

    public boolean isText() {
      return type == Type.TEXT;
    }

    /** The payload; for a text message, its UTF-8 bytes. Not copied. */
    public byte[] data() {
      return data;
    }

    /** The payload decoded as UTF-8 (what a text message carries). */
    public String text() {
      return new String(data, StandardCharsets.UTF_8);
    }

    @Override
    public String toString() {
      return type + " message, " + data.length + " bytes";
    }
  }
}
