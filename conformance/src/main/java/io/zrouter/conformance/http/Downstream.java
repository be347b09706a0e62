package io.zrouter.conformance.http;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/** HTTP/1.1 client of one router's listener, as the downstream (a real client) sees it. */
public final class Downstream {
  /** No request of the suite should take this long; the router's own timeouts are shorter. */
  private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(20);

  private final HttpClient client =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5))
          .build();
  private final int port;

  public Downstream(int port) {
    this.port = port;
  }

  public int port() {
    return port;
  }

  public URI uri(String pathAndQuery) {
    return URI.create("http://127.0.0.1:" + port + pathAndQuery);
  }

  public Reply get(String path) throws IOException, InterruptedException {
    return send(request(path).GET().build());
  }

  public Reply post(String path, byte[] body) throws IOException, InterruptedException {
    return send(post(path, body, "application/octet-stream"));
  }

  public CompletableFuture<Reply> getAsync(String path) {
    return sendAsync(request(path).GET().build());
  }

  public CompletableFuture<Reply> postAsync(String path, byte[] body) {
    return sendAsync(post(path, body, "application/octet-stream"));
  }

  private HttpRequest post(String path, byte[] body, String contentType) {
    return request(path)
        .header("content-type", contentType)
        .POST(BodyPublishers.ofByteArray(body))
        .build();
  }

  private HttpRequest.Builder request(String path) {
    return HttpRequest.newBuilder(uri(path)).timeout(REQUEST_TIMEOUT);
  }

  private Reply send(HttpRequest request) throws IOException, InterruptedException {
    long sent = System.nanoTime();
    HttpResponse<byte[]> r = client.send(request, BodyHandlers.ofByteArray());
    return reply(r, sent);
  }

  private CompletableFuture<Reply> sendAsync(HttpRequest request) {
    long sent = System.nanoTime();
    return client.sendAsync(request, BodyHandlers.ofByteArray()).thenApply(r -> reply(r, sent));
  }

  private static Reply reply(HttpResponse<byte[]> r, long sent) {
    return new Reply(
        r.statusCode(),
        r.headers().firstValue("x-worker-id").orElse(null),
        r.body(),
        sent,
        System.nanoTime());
  }
}
