package io.zrouter.router;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** HTTP/1.1 on a raw socket: pipelining and malformed input, byte for byte. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class Http1WireTest {
  private Router router;
  private TestWorkers workers;

  @BeforeEach
  void start() throws Exception {
    router = TestRouters.start(TestRouters.config().withMaxBody(1024 * 1024));
    workers = TestWorkers.start(router.workerEndpoint(), "p");
  }

  @AfterEach
  void stop() {
    workers.close();
    router.close(Duration.ofSeconds(1));
    assertThat(router.activeStreams()).isZero();
  }

  private Socket connect() throws Exception {
    Socket socket = new Socket();
    socket.connect(new InetSocketAddress("127.0.0.1", router.httpAddress().getPort()), 5000);
    socket.setSoTimeout(15000);
    return socket;
  }

  /** Reads until the peer closes or {@code expected} matches, whichever comes first. */
  private static String readUntil(InputStream in, Pattern expected) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    byte[] buf = new byte[8192];
    int n;
    while ((n = in.read(buf)) > 0) {
      out.write(buf, 0, n);
      if (expected.matcher(out.toString(StandardCharsets.ISO_8859_1)).find()) {
        break;
      }
    }
    return out.toString(StandardCharsets.ISO_8859_1);
  }

  @Test
  void anUpgradeToH2cAfterTheFirstRequest_isIgnored_theConnectionStaysHttp1() throws Exception {
    try (Socket socket = connect()) {
      OutputStream out = socket.getOutputStream();
      out.write("GET /hello HTTP/1.1\r\nHost: t\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      out.flush();
      String first = readUntil(socket.getInputStream(), Pattern.compile("hello from p\n"));
      assertThat(first).startsWith("HTTP/1.1 200 ");
      out.write(
          ("GET /hello HTTP/1.1\r\nHost: t\r\nConnection: Upgrade, HTTP2-Settings\r\n"
                  + "Upgrade: h2c\r\nHTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\n\r\n")
              .getBytes(StandardCharsets.US_ASCII));
      out.flush();
      String second = readUntil(socket.getInputStream(), Pattern.compile("hello from p\n"));
      assertThat(second).startsWith("HTTP/1.1 200 ").doesNotContain("101");
    }
  }

  @Test
  void pipelinedRequests_answeredInOrder() throws Exception {
    try (Socket socket = connect()) {
      OutputStream out = socket.getOutputStream();
      // The slow one first: a router answering as responses arrive would reorder them.
      String requests =
          "GET /sleep?ms=400 HTTP/1.1\r\nHost: t\r\n\r\n"
              + "GET /hello HTTP/1.1\r\nHost: t\r\n\r\n"
              + "GET /status/404 HTTP/1.1\r\nHost: t\r\n\r\n"
              + "GET /sleep?ms=10 HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n";
      out.write(requests.getBytes(StandardCharsets.US_ASCII));
      out.flush();

      String responses = readUntil(socket.getInputStream(), Pattern.compile("slept 10 ms\n"));

      Matcher status = Pattern.compile("HTTP/1.1 (\\d{3})").matcher(responses);
      StringBuilder order = new StringBuilder();
      while (status.find()) {
        order.append(status.group(1)).append(' ');
      }
      assertThat(order.toString().trim()).isEqualTo("200 200 404 200");
      assertThat(responses.indexOf("slept 400 ms")).isLessThan(responses.indexOf("hello from p"));
      assertThat(responses.indexOf("hello from p")).isLessThan(responses.indexOf("slept 10 ms"));
    }
  }

  @Test
  void malformedRequestLine_gets400_andClose() throws Exception {
    try (Socket socket = connect()) {
      socket.getOutputStream().write("GARBAGE\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      String response = readUntil(socket.getInputStream(), Pattern.compile("(?!)"));
      assertThat(response).startsWith("HTTP/1.1 400");
      assertThat(response.toLowerCase()).contains("connection: close");
    }
  }

  @Test
  void missingHost_gets400() throws Exception {
    try (Socket socket = connect()) {
      socket
          .getOutputStream()
          .write("GET /hello HTTP/1.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      assertThat(readUntil(socket.getInputStream(), Pattern.compile("(?!)")))
          .startsWith("HTTP/1.1 400");
    }
  }

  @Test
  void oversizedHeaders_get431() throws Exception {
    try (Socket socket = connect()) {
      String big = "x".repeat(32 * 1024);
      socket
          .getOutputStream()
          .write(
              ("GET /hello HTTP/1.1\r\nHost: t\r\nX-Big: " + big + "\r\n\r\n")
                  .getBytes(StandardCharsets.US_ASCII));
      assertThat(readUntil(socket.getInputStream(), Pattern.compile("(?!)")))
          .startsWith("HTTP/1.1 431");
    }
  }

  @Test
  void contentLengthOverMaxBody_gets413_beforeTheBodyIsSent() throws Exception {
    try (Socket socket = connect()) {
      socket
          .getOutputStream()
          .write(
              "POST /sha256 HTTP/1.1\r\nHost: t\r\nContent-Length: 999999999\r\n\r\n"
                  .getBytes(StandardCharsets.US_ASCII));
      assertThat(readUntil(socket.getInputStream(), Pattern.compile("\r\n\r\n")))
          .startsWith("HTTP/1.1 413");
    }
  }

  @Test
  void chunkedResponse_withoutContentLength_isChunkedOnTheWire() throws Exception {
    try (Socket socket = connect()) {
      socket
          .getOutputStream()
          .write(
              "GET /stream?n=2&interval_ms=1 HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n"
                  .getBytes(StandardCharsets.US_ASCII));
      String response = readUntil(socket.getInputStream(), Pattern.compile("(?!)"));
      assertThat(response.toLowerCase()).contains("transfer-encoding: chunked");
      assertThat(response).endsWith("0\r\n\r\n");
    }
  }
}
