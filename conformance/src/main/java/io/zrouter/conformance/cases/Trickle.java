package io.zrouter.conformance.cases;

import io.zrouter.conformance.http.Downstream;
import io.zrouter.conformance.http.Reply;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * A steady trickle of requests on its own thread, alternately {@code GET /hello} and a small {@code
 * POST /echo}, one every {@code PACE}; at most {@code MAX_REQUESTS} and {@code MAX_TIME}. Records
 * what each got.
 */
final class Trickle implements AutoCloseable {
  private static final Duration PACE = Duration.ofMillis(25);
  private static final int MAX_REQUESTS = 600;
  private static final Duration MAX_TIME = Duration.ofSeconds(30);
  private static final byte[] ECHO = "trickle".getBytes(java.nio.charset.StandardCharsets.UTF_8);

  /** One request: when it was sent, and its reply or the exception it ended in. */
  record Outcome(String request, long sentNanos, Reply reply, Exception error) {}

  private final Downstream http;
  private final List<Outcome> outcomes = new ArrayList<>();
  private final CountDownLatch first = new CountDownLatch(1);
  private final Thread thread;
  private volatile boolean stop;

  Trickle(Downstream http) {
    this.http = http;
    this.thread = new Thread(this::loop, "conformance-trickle");
    thread.setDaemon(true);
  }

  void start() {
    thread.start();
  }

  /** Whether one request completed within {@code timeout}. */
  boolean awaitFirst(Duration timeout) throws InterruptedException {
    return first.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** How many requests sent after {@code nanos} have completed. */
  synchronized int completedSentAfter(long nanos) {
    return (int) outcomes.stream().filter(o -> o.sentNanos() > nanos).count();
  }

  synchronized List<Outcome> outcomes() {
    return List.copyOf(outcomes);
  }

  private void loop() {
    long end = System.nanoTime() + MAX_TIME.toNanos();
    for (int i = 0; i < MAX_REQUESTS && !stop && System.nanoTime() < end; i++) {
      boolean get = i % 2 == 0;
      String request = get ? "GET /hello" : "POST /echo";
      long sent = System.nanoTime();
      Outcome outcome;
      try {
        Reply r = get ? http.get("/hello") : http.post("/echo", ECHO);
        if (!get && r.status() == 200 && !java.util.Arrays.equals(ECHO, r.body())) {
          outcome = new Outcome(request, sent, r, new IllegalStateException("echo differs"));
        } else {
          outcome = new Outcome(request, sent, r, null);
        }
      } catch (InterruptedException e) {
        return;
      } catch (Exception e) {
        outcome = new Outcome(request, sent, null, e);
      }
      synchronized (this) {
        outcomes.add(outcome);
      }
      first.countDown();
      LockSupport.parkNanos(PACE.toNanos()); // the pace of the trickle, not a wait for anything
    }
  }

  @Override
  public void close() throws InterruptedException {
    stop = true;
    thread.join(Duration.ofSeconds(25).toMillis());
  }
}
