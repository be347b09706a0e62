package io.zrouter.router;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Timeout;

/**
 * A request sent the moment a worker connects is served. JeroMQ sometimes leaves a fresh connection
 * half set up (zeromq/jeromq#1022): the router's side looks ready and takes the message, the
 * worker's side never reads it. The router must notice the missing acknowledgement and send the
 * request again rather than lose it.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class FreshConnectionTest {
  private final HttpClient client =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  @RepeatedTest(25)
  void firstRequest_rightAfterWorkerStarts_isServed() throws Exception {
    try (Router router = TestRouters.start(TestRouters.config());
        TestWorkers workers = TestWorkers.start(router.workerEndpoint(), "fresh")) {
      HttpResponse<String> r =
          client.send(
              HttpRequest.newBuilder(TestRouters.uri(router, "/hello"))
                  .timeout(Duration.ofSeconds(10))
                  .build(),
              BodyHandlers.ofString());
      assertThat(r.statusCode()).isEqualTo(200);
    }
  }
}
