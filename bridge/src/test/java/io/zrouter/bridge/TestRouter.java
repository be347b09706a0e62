package io.zrouter.bridge;

import io.zrouter.router.Router;
import io.zrouter.router.config.RouterConfig;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse.BodyHandlers;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A real router in this JVM: loopback, ephemeral ports, short waits. */
final class TestRouter implements AutoCloseable {
  private final Router router;
  private final HttpClient admin = HttpClient.newHttpClient();

  private TestRouter(Router router) {
    this.router = router;
  }

  static TestRouter start() throws Exception {
    return start(Duration.ofSeconds(5), Duration.ofSeconds(30));
  }

  static TestRouter start(Duration workerWait, Duration requestTimeout) throws Exception {
    return new TestRouter(
        Router.start(
            RouterConfig.defaults()
                .withListen(new InetSocketAddress("127.0.0.1", 0))
                .withBind("tcp://127.0.0.1:*")
                .withIoThreads(2)
                .withAdminListen(new InetSocketAddress("127.0.0.1", 0))
                .withWorkerWait(workerWait)
                .withRequestTimeout(requestTimeout)
                .withShutdownGrace(Duration.ofSeconds(2))));
  }

  /** What a bridge connects to. */
  String workerEndpoint() {
    return router.workerEndpoint();
  }

  URI uri(String pathAndQuery) {
    return URI.create("http://127.0.0.1:" + router.httpAddress().getPort() + pathAndQuery);
  }

  URI webSocketUri(String pathAndQuery) {
    return URI.create("ws://127.0.0.1:" + router.httpAddress().getPort() + pathAndQuery);
  }

  /** {@code GET /_zrouter/workers}: the JSON. */
  String workersJson() throws Exception {
    URI uri =
        URI.create("http://127.0.0.1:" + router.adminAddress().getPort() + "/_zrouter/workers");
    return admin.send(HttpRequest.newBuilder(uri).build(), BodyHandlers.ofString()).body();
  }

  /**
   * The admin view's {@code "unhealthy"} of the worker {@code id}, or null while the router does
   * not know it yet.
   */
  Boolean unhealthy(String id) throws Exception {
    Matcher m =
        Pattern.compile("\"id\":\"" + Pattern.quote(id) + "\"[^}]*\"unhealthy\":(true|false)")
            .matcher(workersJson());
    return m.find() ? Boolean.valueOf(m.group(1)) : null;
  }

  @Override
  public void close() {
    router.close(Duration.ZERO);
  }
}
