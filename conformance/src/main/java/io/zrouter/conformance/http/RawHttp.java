package io.zrouter.conformance.http;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * One HTTP/1.1 request on a plain socket, its response read step by step: the head, then the body
 * piece by piece as it arrives (chunked, by content-length, or to the close). For what the JDK
 * client hides: when each piece arrived, and closing the connection mid-response.
 */
public final class RawHttp implements AutoCloseable {
  private static final int READ_TIMEOUT_MS = 10_000;

  private final Socket socket;
  private final InputStream in;
  private long chunkLeft = -1; // bytes left of the current chunk; -1: read a chunk size next
  private long lengthLeft = -1; // bytes left by content-length, or -1
  private boolean chunked;
  private boolean done;

  private RawHttp(Socket socket) throws IOException {
    this.socket = socket;
    this.in = new java.io.BufferedInputStream(socket.getInputStream());
  }

  /** The response's status line and headers (names lower-case). */
  public record Head(int status, Map<String, String> headers) {}

  /** Connects to {@code 127.0.0.1:port} and sends {@code GET path}. */
  public static RawHttp get(int port, String path) throws IOException {
    Socket socket = new Socket();
    socket.setTcpNoDelay(true);
    socket.setSoTimeout(READ_TIMEOUT_MS);
    socket.connect(new InetSocketAddress("127.0.0.1", port), READ_TIMEOUT_MS);
    RawHttp http = new RawHttp(socket);
    String request = "GET " + path + " HTTP/1.1\r\nhost: 127.0.0.1:" + port + "\r\n\r\n";
    socket.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
    socket.getOutputStream().flush();
    return http;
  }

  /** Reads the status line and headers. */
  public Head readHead() throws IOException {
    String statusLine = readLine();
    String[] parts = statusLine.split(" ", 3);
    if (parts.length < 2 || !parts[0].startsWith("HTTP/")) {
      throw new IOException("not an HTTP status line: " + statusLine);
    }
    Map<String, String> headers = new HashMap<>();
    for (String line; !(line = readLine()).isEmpty(); ) {
      int colon = line.indexOf(':');
      if (colon > 0) {
        headers.put(
            line.substring(0, colon).trim().toLowerCase(Locale.ROOT),
            line.substring(colon + 1).trim());
      }
    }
    chunked = "chunked".equalsIgnoreCase(headers.get("transfer-encoding"));
    if (!chunked && headers.containsKey("content-length")) {
      lengthLeft = Long.parseLong(headers.get("content-length"));
    }
    return new Head(Integer.parseInt(parts[1]), headers);
  }

  /** The next piece of the body as it arrived, or null at its end. */
  public byte[] readBody() throws IOException {
    if (done) {
      return null;
    }
    if (chunked) {
      return readChunked();
    }
    if (lengthLeft == 0) {
      done = true;
      return null;
    }
    byte[] buffer = new byte[8192];
    int max = lengthLeft < 0 ? buffer.length : (int) Math.min(buffer.length, lengthLeft);
    int n = in.read(buffer, 0, max);
    if (n < 0) {
      done = true;
      if (lengthLeft > 0) {
        throw new IOException("connection closed with " + lengthLeft + " body bytes missing");
      }
      return null;
    }
    if (lengthLeft > 0) {
      lengthLeft -= n;
    }
    return java.util.Arrays.copyOf(buffer, n);
  }

  private byte[] readChunked() throws IOException {
    if (chunkLeft <= 0) {
      if (chunkLeft == 0) {
        readLine(); // the CRLF after a chunk's data
      }
      String size = readLine();
      int semicolon = size.indexOf(';');
      chunkLeft = Long.parseLong((semicolon < 0 ? size : size.substring(0, semicolon)).trim(), 16);
      if (chunkLeft == 0) {
        while (!readLine().isEmpty()) {
          // trailers: not needed here
        }
        done = true;
        return null;
      }
    }
    byte[] buffer = new byte[(int) Math.min(8192, chunkLeft)];
    int n = in.read(buffer);
    if (n < 0) {
      throw new IOException("connection closed inside a chunk");
    }
    chunkLeft -= n;
    return java.util.Arrays.copyOf(buffer, n);
  }

  private String readLine() throws IOException {
    ByteArrayOutputStream line = new ByteArrayOutputStream();
    for (int b; (b = in.read()) != '\n'; ) {
      if (b < 0) {
        throw new IOException("connection closed in the middle of a line");
      }
      if (b != '\r') {
        line.write(b);
      }
    }
    return line.toString(StandardCharsets.ISO_8859_1);
  }

  /** Closes the connection, at once, wherever the response is. */
  @Override
  public void close() throws IOException {
    socket.close();
  }
}
