package io.zrouter.sample;

import io.zrouter.proto.RouteSpec;
import io.zrouter.worker.Handler;
import io.zrouter.worker.Request;
import io.zrouter.worker.Response;
import io.zrouter.worker.WebSocket;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The sample worker's endpoints: plain, echo, upload digest, streaming, bulk, slow, any status and
 * failure. Every response carries {@code x-worker-id} and {@code x-service} (the routes its worker
 * declared, or {@code default}).
 *
 * <table>
 *   <caption>Endpoints</caption>
 *   <tr><td>{@code GET /hello}</td><td>{@code hello from <id>}</td></tr>
 *   <tr><td>{@code POST /echo}</td><td>the request body and content type</td></tr>
 *   <tr><td>{@code POST /sha256}</td><td>hex SHA-256 of the request body</td></tr>
 *   <tr><td>{@code GET /stream?n=N&interval_ms=M}</td><td>N lines, one every M ms (default 10,
 *       100); {@code n=0}: until the client goes away</td></tr>
 *   <tr><td>{@code GET /stats}</td><td>JSON: {@code cancelled} and {@code active} endless
 *       streams</td></tr>
 *   <tr><td>{@code GET /bytes?n=N}</td><td>N bytes in 64 KiB chunks, no length</td></tr>
 *   <tr><td>{@code GET or POST /sleep?ms=N}</td><td>answers after N ms</td></tr>
 *   <tr><td>{@code GET /trailers}</td><td>a small body, then trailer {@code x-checksum}</td></tr>
 *   <tr><td>{@code GET /status/N}</td><td>status N, empty body</td></tr>
 *   <tr><td>{@code GET /fail}</td><td>the handler throws (the SDK answers 500)</td></tr>
 *   <tr><td>{@code GET /ws/echo}</td><td>WebSocket: echoes each message (426 without an
 *       upgrade)</td></tr>
 *   <tr><td>{@code GET /ws/ticker?n=N}</td><td>WebSocket: "tick 1" to "tick N" (default 5), then
 *       close 1000</td></tr>
 * </table>
 */
public final class SampleHandler implements Handler {
  private static final Logger log = LoggerFactory.getLogger(SampleHandler.class);

  private static final int CHUNK = 64 * 1024;
  private static final String TEXT = "text/plain; charset=utf-8";

  /** An endless stream checks for cancellation at least this often while it waits. */
  private static final long CANCEL_CHECK_MS = 10;

  /** Endpoints that never block (see {@link #runsInline}). */
  private static final Set<String> INLINE_PATHS = Set.of("/hello", "/echo", "/stats");

  private final String workerId;
  private final String service;
  private final List<String> mounts;
  private final ExecutionLog executionLog;
  private final AtomicLong cancelledStreams = new AtomicLong();
  private final AtomicLong activeStreams = new AtomicLong();
  private final Map<String, Route> routes =
      Map.ofEntries(
          Map.entry("/hello", new Route("GET", this::hello)),
          Map.entry("/echo", new Route("POST", this::echo)),
          Map.entry("/sha256", new Route("POST", this::sha256)),
          Map.entry("/stream", new Route("GET", this::stream)),
          Map.entry("/bytes", new Route("GET", this::bytes)),
          Map.entry("/sleep", new Route("GET, POST", this::sleep)),
          Map.entry("/trailers", new Route("GET", this::trailers)),
          Map.entry("/stats", new Route("GET", this::stats)),
          Map.entry("/fail", new Route("GET", this::fail)),
          Map.entry("/ws/echo", new Route("GET", this::webSocketEcho)),
          Map.entry("/ws/ticker", new Route("GET", this::webSocketTicker)));

  private final Route statusRoute = new Route("GET", this::status);

  public SampleHandler(String workerId) {
    this(workerId, List.of(), null);
  }

  /**
   * {@code executionLog}: where to record each request carrying {@code x-chaos-id} as it starts
   * (for the chaos harness's duplicate count), or null.
   */
  public SampleHandler(String workerId, java.nio.file.Path executionLog) {
    this(workerId, List.of(), executionLog);
  }

  /**
   * {@code routes}: the routes the worker declared, named in {@code x-service} ("default" for
   * none). Their path prefixes are mounts: {@code /billing/hello} is {@code /hello} to a worker
   * that declared {@code /billing}.
   */
  public SampleHandler(String workerId, List<String> routes, java.nio.file.Path executionLog) {
    this.executionLog = executionLog == null ? null : new ExecutionLog(executionLog);
    this.workerId = workerId;
    this.service = routes.isEmpty() ? "default" : String.join(", ", routes);
    List<String> mounts = new java.util.ArrayList<>();
    for (String route : routes) {
      String prefix = RouteSpec.parse(route).path();
      if (!prefix.isEmpty()) {
        mounts.add(prefix);
      }
    }
    mounts.sort((a, b) -> b.length() - a.length()); // the longest prefix first
    this.mounts = List.copyOf(mounts);
  }

  /** The request's path below the worker's mount, if it is under one. */
  private String localPath(Request request) {
    String path = request.path();
    for (String mount : mounts) {
      if (path.equals(mount)) {
        return "/";
      }
      if (path.startsWith(mount) && path.charAt(mount.length()) == '/') {
        return path.substring(mount.length());
      }
    }
    return path;
  }

  /** Endless streams ({@code /stream?n=0}) that ended because the stream was cancelled. */
  public long cancelledStreams() {
    return cancelledStreams.get();
  }

  /** Endless streams ({@code /stream?n=0}) running now. */
  public long activeStreams() {
    return activeStreams.get();
  }

  /**
   * The endpoints that answer at once from memory run on the worker's IO thread; everything that
   * sleeps, streams, digests a large body or writes the execution log gets a handler thread.
   */
  @Override
  public boolean runsInline(Request request) {
    if (executionLog != null && request.header("x-chaos-id") != null) {
      return false;
    }
    String path = localPath(request);
    return INLINE_PATHS.contains(path) || path.startsWith("/status/");
  }

  @Override
  public void handle(Request request, Response response) throws Exception {
    String chaosId = request.header("x-chaos-id");
    if (executionLog != null && chaosId != null) {
      executionLog.executed(chaosId);
    }
    response.header("x-worker-id", workerId);
    response.header("x-service", service);
    String path = localPath(request);
    Route route = routes.get(path);
    if (route == null && path.startsWith("/status/")) {
      route = statusRoute;
    }
    if (route == null) {
      response.status(404).send("not found\n");
    } else if (!route.allows(request.method())) {
      response.status(405).header("allow", route.method()).send("method not allowed\n");
    } else {
      try {
        route.endpoint().serve(request, response);
      } catch (BadRequest e) {
        response.status(400).send("bad request: " + e.getMessage() + "\n");
      }
    }
  }

  private void hello(Request request, Response response) {
    response.header("content-type", TEXT).send("hello from " + workerId + "\n");
  }

  private void echo(Request request, Response response) throws Exception {
    String contentType = request.header("content-type");
    if (contentType != null) {
      response.header("content-type", contentType);
    }
    if (request.contentLength() >= 0) {
      response.header("content-length", Long.toString(request.contentLength()));
    }
    try (OutputStream out = response.body()) {
      request.body().transferTo(out);
    }
  }

  private void sha256(Request request, Response response) throws Exception {
    MessageDigest digest = MessageDigest.getInstance("SHA-256");
    byte[] buffer = new byte[CHUNK];
    InputStream in = request.body();
    for (int n; (n = in.read(buffer)) >= 0; ) {
      digest.update(buffer, 0, n);
    }
    response.send(HexFormat.of().formatHex(digest.digest()));
  }

  /** A small body followed by a trailer carrying its digest, as gRPC-style servers do. */
  private void trailers(Request request, Response response) throws Exception {
    byte[] body = ("trailers from " + workerId + "\n").getBytes(StandardCharsets.UTF_8);
    String checksum = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(body));
    response
        .header("content-type", TEXT)
        .header("trailer", "x-checksum")
        .trailer("x-checksum", checksum)
        .send(body);
  }

  private void stream(Request request, Response response) throws Exception {
    long n = longParam(request, "n", 10, 0, 1_000_000);
    long intervalMs = longParam(request, "interval_ms", 100, 0, 60_000);
    response.header("content-type", TEXT);
    if (n == 0) {
      streamUntilCancelled(request, response, intervalMs);
      return;
    }
    try (OutputStream out = response.body()) {
      out.flush(); // the head goes out at once, before the first line
      for (long i = 0; i < n; i++) {
        if (i > 0 && intervalMs > 0) {
          Thread.sleep(intervalMs);
        }
        out.write(("chunk " + i + "\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
      }
    }
  }

  /**
   * Writes a line every {@code intervalMs} until the router cancels the stream (the client went
   * away). Waits in short steps that check {@link Request#isCancelled()}, so it stops within about
   * 10 ms even between writes; a write to a cancelled stream fails at once.
   */
  private void streamUntilCancelled(Request request, Response response, long intervalMs)
      throws Exception {
    activeStreams.incrementAndGet();
    long sent = 0;
    try {
      OutputStream out = response.body();
      try {
        out.flush(); // the head goes out at once, before the first line
        while (sent == 0 || pause(request, intervalMs)) {
          out.write(("chunk " + sent + "\n").getBytes(StandardCharsets.UTF_8));
          out.flush();
          sent++;
        }
      } catch (IOException e) {
        if (!request.isCancelled()) {
          throw e;
        }
      }
      cancelledStreams.incrementAndGet();
      log.info("stream cancelled after {} chunks request_id = {}", sent, request.requestId());
    } finally {
      activeStreams.decrementAndGet();
    }
  }

  /** Waits up to {@code ms}; false as soon as the stream is cancelled. */
  private static boolean pause(Request request, long ms) throws InterruptedException {
    long deadline = System.nanoTime() + ms * 1_000_000;
    while (!request.isCancelled()) {
      long left = (deadline - System.nanoTime()) / 1_000_000;
      if (left <= 0) {
        return true;
      }
      Thread.sleep(Math.min(left, CANCEL_CHECK_MS));
    }
    return false;
  }

  private void stats(Request request, Response response) {
    response
        .header("content-type", "application/json")
        .send(
            "{\"cancelled\": "
                + cancelledStreams.get()
                + ", \"active\": "
                + activeStreams.get()
                + "}\n");
  }

  private void bytes(Request request, Response response) throws Exception {
    long n = longParam(request, "n", 1 << 20, 0, 1L << 36);
    response.header("content-type", "application/octet-stream");
    byte[] chunk = new byte[CHUNK];
    for (int i = 0; i < chunk.length; i++) {
      chunk[i] = (byte) i;
    }
    try (OutputStream out = response.body()) {
      out.flush(); // streamed: the head goes without a content-length
      for (long left = n; left > 0; left -= chunk.length) {
        out.write(chunk, 0, (int) Math.min(chunk.length, left));
      }
    }
  }

  private void sleep(Request request, Response response) throws Exception {
    long ms = longParam(request, "ms", 1000, 0, 600_000);
    Thread.sleep(ms);
    response.header("content-type", TEXT).send("slept " + ms + " ms\n");
  }

  private void status(Request request, Response response) throws BadRequest {
    String text = localPath(request).substring("/status/".length());
    int status = (int) parse("status", text, 200, 599);
    response.status(status).end();
  }

  /** Echoes each message back as it came, text as text and binary as binary, until closed. */
  private void webSocketEcho(Request request, Response response) throws IOException {
    if (refusedAsNotUpgrade(request, response)) {
      return;
    }
    WebSocket ws = response.acceptWebSocket();
    for (WebSocket.Message m; (m = ws.receive()) != null; ) {
      if (m.isText()) {
        ws.sendText(m.text());
      } else {
        ws.sendBinary(m.data());
      }
    }
  }

  /** Sends {@code n} text messages, "tick 1" to "tick n", then closes normally. */
  private void webSocketTicker(Request request, Response response) throws Exception {
    long n = longParam(request, "n", 5, 0, 10_000);
    if (refusedAsNotUpgrade(request, response)) {
      return;
    }
    WebSocket ws = response.acceptWebSocket();
    for (long i = 1; i <= n; i++) {
      ws.sendText("tick " + i);
    }
    ws.close(1000, "done");
  }

  /** A WebSocket endpoint asked for with plain HTTP: 426, naming the upgrade it needs. */
  private static boolean refusedAsNotUpgrade(Request request, Response response) {
    if (request.isWebSocketUpgrade()) {
      return false;
    }
    response
        .status(426)
        .header("upgrade", "websocket")
        .header("content-type", TEXT)
        .send("this endpoint speaks WebSocket only\n");
    return true;
  }

  private void fail(Request request, Response response) {
    throw new IllegalStateException("GET /fail always fails");
  }

  private static long longParam(Request request, String name, long dflt, long min, long max)
      throws BadRequest {
    String value = request.queryParam(name);
    return value == null ? dflt : parse(name, value, min, max);
  }

  private static long parse(String name, String text, long min, long max) throws BadRequest {
    long value;
    try {
      value = Long.parseLong(text);
    } catch (NumberFormatException e) {
      throw new BadRequest(name + " is not a number: " + text);
    }
    if (value < min || value > max) {
      throw new BadRequest(name + " must be in " + min + ".." + max + ": " + value);
    }
    return value;
  }

  @FunctionalInterface
  private interface Endpoint {
    void serve(Request request, Response response) throws Exception;
  }

  /** {@code method}: one method, or several as in an Allow header ("GET, POST"). */
  private record Route(String method, Set<String> methods, Endpoint endpoint) {
    Route(String method, Endpoint endpoint) {
      this(method, Set.of(method.split(", ")), endpoint);
    }

    boolean allows(String m) {
      return methods.contains(m);
    }
  }

  /** A request parameter the endpoint cannot use: answered with 400. */
  private static final class BadRequest extends Exception {
    private static final long serialVersionUID = 1L;

    BadRequest(String message) {
      super(message);
    }
  }
}
