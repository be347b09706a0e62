package io.zrouter.bench;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

/**
 * The streamed endpoints of {@link HelloBackend}, the same work as the sample worker's: {@code GET
 * /bytes?n=N} sends N bytes (default 1 MiB, at most 2^36) in 64 KiB chunks without a length, and
 * {@code POST /sha256} answers the hex SHA-256 of the request body, hashed as it arrives. Neither
 * holds more than one chunk: the download writes only while the channel is writable and resumes
 * when it is again, and the upload hashes each chunk as it is read.
 *
 * <p>It sits before the {@link io.netty.handler.codec.http.HttpObjectAggregator}: a request for one
 * of these endpoints, and its content, stop here; everything else passes on. One bulk request at a
 * time per connection (curl does not pipeline).
 */
final class BulkHandler extends ChannelInboundHandlerAdapter {

  private static final int CHUNK = 64 * 1024;
  private static final long MAX_BYTES = 1L << 36;

  /** One chunk of the download's byte pattern (i mod 256), shared by every connection. */
  private static final ByteBuf PATTERN = pattern();

  /** Whose is the content of the request being read: ours (and which endpoint), or not. */
  private enum Taken {
    NONE,
    BYTES,
    SHA256
  }

  private Taken taken = Taken.NONE;
  private boolean keepAlive;
  private boolean downloading;
  private long bytesLeft;
  private MessageDigest digest;
  private byte[] hashBuffer; // only while an upload is read: idle connections hold none

  private static ByteBuf pattern() {
    ByteBuf chunk = Unpooled.directBuffer(CHUNK);
    for (int i = 0; i < CHUNK; i++) {
      chunk.writeByte(i);
    }
    return Unpooled.unreleasableBuffer(chunk.asReadOnly());
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (msg instanceof HttpRequest request && taken == Taken.NONE) {
      String path = new QueryStringDecoder(request.uri()).path();
      if (HttpMethod.GET.equals(request.method()) && "/bytes".equals(path)) {
        taken = Taken.BYTES;
        keepAlive = HttpUtil.isKeepAlive(request);
        startDownload(ctx, request);
      } else if (HttpMethod.POST.equals(request.method()) && "/sha256".equals(path)) {
        taken = Taken.SHA256;
        keepAlive = HttpUtil.isKeepAlive(request);
        startUpload(ctx, request);
      }
    }
    if (taken == Taken.NONE) {
      ctx.fireChannelRead(msg);
    } else if (msg instanceof HttpContent content) {
      // the content of a request we answer stops here, so we release it
      try {
        if (taken == Taken.SHA256) {
          hash(content.content());
        }
        if (content instanceof LastHttpContent) {
          requestEnded(ctx);
        }
      } finally {
        content.release();
      }
    }
  }

  private void startDownload(ChannelHandlerContext ctx, HttpRequest request) {
    try {
      bytesLeft = longParam(request, "n", 1 << 20);
    } catch (IllegalArgumentException e) {
      byte[] text = ("bad request: " + e.getMessage() + "\n").getBytes(StandardCharsets.UTF_8);
      send(ctx, HttpResponseStatus.BAD_REQUEST, text);
      return;
    }
    HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
    head.headers()
        .set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_OCTET_STREAM)
        .set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
    ctx.write(head);
    downloading = true;
    writeWhileWritable(ctx);
  }

  /** Writes chunks of the download until it is done or the channel is not writable. */
  private void writeWhileWritable(ChannelHandlerContext ctx) {
    while (bytesLeft > 0 && ctx.channel().isWritable()) {
      int n = (int) Math.min(CHUNK, bytesLeft);
      bytesLeft -= n;
      ctx.write(new DefaultHttpContent(PATTERN.retainedSlice(0, n)));
    }
    if (bytesLeft == 0) {
      downloading = false;
      end(ctx, LastHttpContent.EMPTY_LAST_CONTENT);
    } else {
      ctx.flush();
    }
  }

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) {
    if (downloading && ctx.channel().isWritable()) {
      writeWhileWritable(ctx);
    }
    ctx.fireChannelWritabilityChanged();
  }

  private void startUpload(ChannelHandlerContext ctx, HttpRequest request) {
    try {
      digest = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
    hashBuffer = new byte[CHUNK];
    if (HttpUtil.is100ContinueExpected(request)) {
      ctx.writeAndFlush(
          new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.CONTINUE));
    }
  }

  private void hash(ByteBuf data) {
    for (int n; (n = Math.min(data.readableBytes(), hashBuffer.length)) > 0; ) {
      data.readBytes(hashBuffer, 0, n);
      digest.update(hashBuffer, 0, n);
    }
  }

  private void requestEnded(ChannelHandlerContext ctx) {
    if (taken == Taken.SHA256) {
      String hex = HexFormat.of().formatHex(digest.digest());
      digest = null;
      hashBuffer = null;
      send(ctx, HttpResponseStatus.OK, hex.getBytes(StandardCharsets.US_ASCII));
    }
    taken = Taken.NONE;
  }

  private void send(ChannelHandlerContext ctx, HttpResponseStatus status, byte[] text) {
    FullHttpResponse response =
        new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, Unpooled.wrappedBuffer(text));
    response
        .headers()
        .set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.TEXT_PLAIN)
        .setInt(HttpHeaderNames.CONTENT_LENGTH, text.length);
    end(ctx, response);
  }

  /** Writes the last part of a response, closing the connection after it unless kept alive. */
  private void end(ChannelHandlerContext ctx, Object last) {
    if (keepAlive) {
      ctx.writeAndFlush(last);
    } else {
      ctx.writeAndFlush(last).addListener(ChannelFutureListener.CLOSE);
    }
  }

  private static long longParam(HttpRequest request, String name, long dflt) {
    List<String> values = new QueryStringDecoder(request.uri()).parameters().get(name);
    if (values == null || values.isEmpty()) {
      return dflt;
    }
    long value = Long.parseLong(values.get(0));
    if (value < 0 || value > MAX_BYTES) {
      throw new IllegalArgumentException(name + " must be in 0.." + MAX_BYTES + ": " + value);
    }
    return value;
  }
}
