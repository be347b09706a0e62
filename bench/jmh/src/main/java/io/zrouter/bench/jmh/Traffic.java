package io.zrouter.bench.jmh;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The one proxied exchange every benchmark measures a piece of: what a client sends and what the
 * sample worker's {@code /hello} answers. JDK only, so every benchmark package can use it.
 */
public final class Traffic {

  /** {@code GET /hello} as a browser sends it: eight typical headers, no body. */
  public static final String GET_HELLO =
      "GET /hello HTTP/1.1\r\n"
          + "Host: localhost:8080\r\n"
          + "User-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0\r\n"
          + "Accept: text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8\r\n"
          + "Accept-Language: en-US,en;q=0.5\r\n"
          + "Accept-Encoding: gzip, deflate, br, zstd\r\n"
          + "Connection: keep-alive\r\n"
          + "Cookie: session=3f9a1c2e7b4d4e8f9a0b1c2d3e4f5a6b; theme=dark\r\n"
          + "Upgrade-Insecure-Requests: 1\r\n"
          + "\r\n";

  /** Body of {@link #postEcho()}: 1 KiB of JSON-ish ASCII. */
  public static final byte[] POST_BODY = jsonish(1024);

  /** What {@code /hello} answers: 20 bytes. */
  public static final String HELLO_BODY = "hello from worker-1\n";

  /** The content type of {@link #HELLO_BODY}, as the sample worker sets it. */
  public static final String TEXT_PLAIN = "text/plain; charset=utf-8";

  /** The worker id the response carries. */
  public static final String WORKER_ID = "worker-1";

  /** The client's address, as the downstream channel reports it (no DNS involved). */
  public static final InetSocketAddress CLIENT = client();

  private Traffic() {}

  /** {@code POST /echo} as curl sends it with a 1 KiB JSON body: eight headers, then the body. */
  public static byte[] postEcho() {
    String head =
        "POST /echo HTTP/1.1\r\n"
            + "Host: localhost:8080\r\n"
            + "User-Agent: curl/8.5.0\r\n"
            + "Accept: */*\r\n"
            + "Accept-Encoding: gzip, deflate\r\n"
            + "Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJiZW5jaCJ9.c2lnbmF0dXJl\r\n"
            + "Content-Type: application/json\r\n"
            + "Content-Length: "
            + POST_BODY.length
            + "\r\n"
            + "Connection: keep-alive\r\n"
            + "\r\n";
    byte[] headBytes = head.getBytes(StandardCharsets.US_ASCII);
    byte[] request = Arrays.copyOf(headBytes, headBytes.length + POST_BODY.length);
    System.arraycopy(POST_BODY, 0, request, headBytes.length, POST_BODY.length);
    return request;
  }

  private static byte[] jsonish(int length) {
    StringBuilder sb = new StringBuilder(length).append("{\"items\":[");
    for (int i = 0; sb.length() < length - 2; i++) {
      sb.append("{\"id\":").append(i).append(",\"name\":\"item-").append(i).append("\"},");
    }
    sb.setLength(length - 2);
    sb.append("]}");
    return sb.toString().getBytes(StandardCharsets.US_ASCII);
  }

  private static InetSocketAddress client() {
    try {
      return new InetSocketAddress(
          InetAddress.getByAddress(new byte[] {(byte) 192, 0, 2, 10}), 54321);
    } catch (UnknownHostException e) {
      throw new AssertionError(e); // four bytes are always a valid IPv4 address
    }
  }
}
