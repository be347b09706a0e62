package io.zrouter.router.admin;

import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.internal.PlatformDependent;
import io.zrouter.router.stream.StreamRegistry;
import io.zrouter.router.upstream.LinkView;
import io.zrouter.router.upstream.WorkerLink;
import io.zrouter.router.upstream.WorkerView;
import java.util.List;

/**
 * {@code GET /_zrouter/workers}: the workers connected on the addressed path, as JSON; {@code GET
 * /_zrouter/memory}: the router's heap and Netty's direct memory, as JSON; {@code GET
 * /_zrouter/health}: 200 while the router runs.
 */
final class AdminHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
  private final WorkerLink link;
  private final StreamRegistry streams;

  AdminHandler(WorkerLink link, StreamRegistry streams) {
    this.link = link;
    this.streams = streams;
  }

  @Override
  protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
    boolean keepAlive = HttpUtil.isKeepAlive(request);
    if (!HttpMethod.GET.equals(request.method())) {
      reply(ctx, HttpResponseStatus.METHOD_NOT_ALLOWED, "text/plain", "GET only\n", keepAlive);
      return;
    }
    switch (request.uri()) {
      case "/_zrouter/health" -> reply(ctx, HttpResponseStatus.OK, "text/plain", "ok\n", keepAlive);
      case "/_zrouter/memory" ->
          reply(ctx, HttpResponseStatus.OK, "application/json", memoryJson(), keepAlive);
      case "/_zrouter/workers" ->
          link.view()
              .whenComplete(
                  (view, error) ->
                      ctx.executor()
                          .execute(
                              () -> {
                                if (error != null) {
                                  reply(
                                      ctx,
                                      HttpResponseStatus.INTERNAL_SERVER_ERROR,
                                      "text/plain",
                                      "link unavailable\n",
                                      false);
                                } else {
                                  reply(
                                      ctx,
                                      HttpResponseStatus.OK,
                                      "application/json",
                                      json(view, streams.size()),
                                      keepAlive);
                                }
                              }));
      default -> reply(ctx, HttpResponseStatus.NOT_FOUND, "text/plain", "not found\n", keepAlive);
    }
  }

  /** Heap in use now (garbage included) and its limit, and Netty's direct memory in use. */
  static String memoryJson() {
    Runtime runtime = Runtime.getRuntime();
    return "{\"heap_used_bytes\":"
        + (runtime.totalMemory() - runtime.freeMemory())
        + ",\"heap_max_bytes\":"
        + runtime.maxMemory()
        + ",\"direct_used_bytes\":"
        + PlatformDependent.usedDirectMemory()
        + "}\n";
  }

  static String json(LinkView view, int streamsInFlight) {
    StringBuilder out = new StringBuilder("{\"streams_in_flight\":").append(streamsInFlight);
    out.append(",\"refusals\":").append(view.refusals());
    out.append(",\"resends_after_refusal\":").append(view.resends());
    List<WorkerView> workers = view.workers();
    out.append(",\"workers\":[");
    for (int i = 0; i < workers.size(); i++) {
      WorkerView w = workers.get(i);
      if (i > 0) {
        out.append(',');
      }
      out.append("{\"id\":");
      string(out, w.id());
      out.append(",\"routing_id\":");
      string(out, w.routingId());
      out.append(",\"in_flight\":").append(w.inFlight());
      out.append(",\"last_heartbeat_age_ms\":").append(w.lastSeenMillisAgo());
      out.append(",\"joined_at_unix_ms\":").append(w.joinedAtUnixMillis());
      out.append(",\"typical_latency_ms\":")
          .append(String.format(java.util.Locale.ROOT, "%.2f", w.typicalLatencyMillis()));
      out.append(",\"max_streams\":").append(w.maxStreams());
      out.append(",\"state\":\"").append(w.draining() ? "draining" : "ready").append('"');
      out.append(",\"service\":");
      string(out, w.service());
      out.append(",\"unhealthy\":").append(w.unhealthy());
      out.append('}');
    }
    return out.append("]}\n").toString();
  }

  private static void string(StringBuilder out, String s) {
    out.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> out.append("\\\"");
        case '\\' -> out.append("\\\\");
        default -> {
          if (c < 0x20 || c > 0x7e) {
            out.append(String.format("\\u%04x", (int) c));
          } else {
            out.append(c);
          }
        }
      }
    }
    out.append('"');
  }

  private static void reply(
      ChannelHandlerContext ctx,
      HttpResponseStatus status,
      String contentType,
      String body,
      boolean keepAlive) {
    FullHttpResponse response =
        new DefaultFullHttpResponse(
            HttpVersion.HTTP_1_1, status, ByteBufUtil.writeUtf8(ctx.alloc(), body));
    response.headers().set(HttpHeaderNames.CONTENT_TYPE, contentType);
    HttpUtil.setContentLength(response, response.content().readableBytes());
    HttpUtil.setKeepAlive(response, keepAlive);
    ctx.writeAndFlush(response);
  }
}
