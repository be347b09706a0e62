package io.zrouter.conformance.http;

import java.nio.charset.StandardCharsets;

/**
 * One complete response as a client saw it: status, the {@code x-worker-id} header (null when
 * absent), the body, and when the request was sent and the response fully read ({@link
 * System#nanoTime}).
 */
public record Reply(int status, String workerId, byte[] body, long sentNanos, long doneNanos) {

  public String text() {
    return new String(body, StandardCharsets.UTF_8);
  }

  /** Time from sending the request to the end of the response. */
  public double millis() {
    return (doneNanos - sentNanos) / 1e6;
  }

  /** A short description for failure messages. */
  public String describe() {
    String t = text();
    return status
        + " from "
        + workerId
        + ", body "
        + (t.length() > 80 ? t.substring(0, 80) + "..." : t).strip();
  }
}
