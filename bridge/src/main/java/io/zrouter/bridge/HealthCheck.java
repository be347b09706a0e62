package io.zrouter.bridge;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse.BodyHandlers;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Checks the upstream every interval and reports each change: a TCP connect to its port, or, with a
 * health path, a {@code GET} that must answer 2xx. One failed check makes it down, one passing
 * check up again. A check takes at most the interval (at least 1 s, at most the upstream timeout).
 *
 * <p>The bridge hands each change to {@code Worker.setAvailable}: while the upstream is down the
 * worker refuses requests and the routers show it unhealthy.
 */
final class HealthCheck implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(HealthCheck.class);

  private static final Duration MIN_PROBE_TIMEOUT = Duration.ofSeconds(1);

  private final HttpClient client;
  private final URI upstream;
  private final URI healthUri;
  private final Duration interval;
  private final Duration probeTimeout;
  private final ScheduledExecutorService timer;
  private final AtomicBoolean checkQueued = new AtomicBoolean();
  private volatile Consumer<Boolean> onChange = up -> {};
  private volatile boolean up;

  /**
   * @param healthPath the path to GET, or null for a TCP connect
   */
  HealthCheck(
      HttpClient client,
      URI upstream,
      String healthPath,
      Duration interval,
      Duration upstreamTimeout) {
    this.client = client;
    this.upstream = upstream;
    this.healthUri = healthPath == null ? null : URI.create(upstream + healthPath);
    this.interval = interval;
    Duration timeout = interval.compareTo(MIN_PROBE_TIMEOUT) < 0 ? MIN_PROBE_TIMEOUT : interval;
    this.probeTimeout = timeout.compareTo(upstreamTimeout) > 0 ? upstreamTimeout : timeout;
    this.timer =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "bridge-health");
              t.setDaemon(true);
              return t;
            });
  }

  /**
   * Checks once now, on this thread, and returns the result: the state the bridge starts in. No
   * change is reported for it.
   */
  boolean checkNow() {
    String failure = probe();
    up = failure == null;
    if (!up) {
      log.warn("upstream down at start: upstream = {} cause = {}", upstream, failure);
    }
    return up;
  }

  /** From now on, checks every interval and hands each change to {@code onChange}. */
  void start(Consumer<Boolean> onChange) {
    this.onChange = onChange;
    timer.scheduleWithFixedDelay(
        this::check, interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** A relay found the upstream refusing connections: check now rather than at the next tick. */
  void suspect() {
    if (checkQueued.compareAndSet(false, true)) {
      timer.execute(this::check);
    }
  }

  private void check() {
    checkQueued.set(false);
    String failure = probe();
    boolean now = failure == null;
    if (now == up) {
      return;
    }
    up = now;
    if (now) {
      log.info("upstream up again, taking requests: upstream = {}", upstream);
    } else {
      log.warn("upstream down, refusing requests: upstream = {} cause = {}", upstream, failure);
    }
    onChange.accept(now);
  }

  /** Null when the upstream passes, else why it failed. */
  private String probe() {
    try {
      return healthUri == null ? connect() : get();
    } catch (IOException e) {
      return e.toString();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt(); // closing
      return "interrupted";
    }
  }

  private String connect() throws IOException {
    int port = upstream.getPort() >= 0 ? upstream.getPort() : defaultPort(upstream);
    try (Socket socket = new Socket()) {
      socket.connect(
          new InetSocketAddress(upstream.getHost(), port), (int) probeTimeout.toMillis());
    }
    return null;
  }

  private String get() throws IOException, InterruptedException {
    int status =
        client
            .send(
                HttpRequest.newBuilder(healthUri).timeout(probeTimeout).GET().build(),
                BodyHandlers.discarding())
            .statusCode();
    return status >= 200 && status <= 299 ? null : "GET " + healthUri + " answered " + status;
  }

  static int defaultPort(URI uri) {
    return "https".equals(uri.getScheme()) ? 443 : 80;
  }

  @Override
  public void close() {
    timer.shutdownNow();
  }
}
