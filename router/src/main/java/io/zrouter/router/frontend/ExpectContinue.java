package io.zrouter.router.frontend;

import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerExpectContinueHandler;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;

/**
 * Answers {@code Expect: 100-continue} for the worker: 100 so the client sends its body, or 413
 * without reading it when its declared length is over --max-body. The header is removed, so the
 * worker never sees it.
 */
final class ExpectContinue extends HttpServerExpectContinueHandler {
  private final long maxBody;

  /** {@code maxBody}: 0 for no limit. */
  ExpectContinue(long maxBody) {
    this.maxBody = maxBody;
  }

  @Override
  protected HttpResponse acceptMessage(HttpRequest request) {
    if (maxBody > 0 && HttpUtil.getContentLength(request, -1L) > maxBody) {
      return null;
    }
    return super.acceptMessage(request);
  }

  @Override
  protected HttpResponse rejectResponse(HttpRequest request) {
    DefaultFullHttpResponse reply =
        new DefaultFullHttpResponse(
            HttpVersion.HTTP_1_1, HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE);
    reply.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, 0);
    reply.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
    return reply;
  }
}
