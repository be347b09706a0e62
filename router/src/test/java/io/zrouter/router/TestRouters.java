package io.zrouter.router;

import io.zrouter.router.config.RouterConfig;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;

/** Routers for tests: loopback only, ephemeral ports, short waits. */
final class TestRouters {
  private TestRouters() {}

  static RouterConfig config() {
    return RouterConfig.defaults()
        .withListen(new InetSocketAddress("127.0.0.1", 0))
        .withBind("tcp://127.0.0.1:*")
        .withIoThreads(2)
        .withAdminListen(new InetSocketAddress("127.0.0.1", 0))
        .withShutdownGrace(Duration.ofSeconds(2));
  }

  static Router start(RouterConfig config) throws StartupException {
    return Router.start(config);
  }

  /** {@code GET /_zrouter/workers} on the router's admin listener: the JSON body. */
  static String adminWorkers(Router router) throws Exception {
    URI uri =
        URI.create("http://127.0.0.1:" + router.adminAddress().getPort() + "/_zrouter/workers");
    return java.net.http.HttpClient.newHttpClient()
        .send(
            java.net.http.HttpRequest.newBuilder(uri).build(),
            java.net.http.HttpResponse.BodyHandlers.ofString())
        .body();
  }

  static URI uri(Router router, String pathAndQuery) {
    InetSocketAddress a = router.httpAddress();
    return URI.create("http://127.0.0.1:" + a.getPort() + pathAndQuery);
  }
}
