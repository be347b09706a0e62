package io.zrouter.router.frontend;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.zrouter.bench.jmh.Traffic;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The router's request side, from the request Netty decoded to the dispatched message: the header
 * clean-up ({@link HopByHop}, {@link ForwardedHeaders}) and {@link RequestEncoder}, in the order
 * {@link ProxyHandler} runs them.
 *
 * <p>The clean-up changes the headers in place, so those benchmarks start from a copy of the
 * decoded headers, as fresh as the decoder's; {@link #copyHeaders} measures that copy alone, to be
 * subtracted.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(
    value = 1,
    jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
public class RequestEncodeBenchmark {
  private RouterFixtures.Received get;
  private RouterFixtures.Prepared cleanGet;
  private RouterFixtures.Prepared cleanPost;
  private ByteBuf postBody;

  @Setup
  public void setUp() {
    get = RouterFixtures.receiveGetHello();
    get.body().release(); // a GET has none
    cleanGet = RouterFixtures.prepare(get.freshRequest()); // a copy: get stays as decoded
    RouterFixtures.Received post = RouterFixtures.receivePostEcho();
    postBody = post.body();
    cleanPost = RouterFixtures.prepare(post.freshRequest());
  }

  @TearDown
  public void tearDown() {
    postBody.release();
  }

  /** Baseline: the copy the clean-up benchmarks start from; not router work. */
  @Benchmark
  public HttpHeaders copyHeaders() {
    return get.request().headers().copy();
  }

  /** Hop-by-hop removal and X-Forwarded-* / X-Request-Id (a fresh id: the client sent none). */
  @Benchmark
  public String cleanHeadersGet() {
    HttpHeaders headers = get.request().headers().copy();
    HopByHop.strip(headers);
    return ForwardedHeaders.apply(headers, ClientAddress.of(Traffic.CLIENT), RouterFixtures.SCHEME);
  }

  /** The request head frame of a cleaned {@code GET /hello}: 11 headers. */
  @Benchmark
  public byte[][] encodeGet() {
    return RequestEncoder.encode(
        cleanGet.envelope(), cleanGet.request(), Unpooled.EMPTY_BUFFER, true, 0, false);
  }

  /** Head plus one body frame of a cleaned 1 KiB {@code POST /echo} (body copied once). */
  @Benchmark
  public byte[][] encodePost1k() {
    return RequestEncoder.encode(
        cleanPost.envelope(), cleanPost.request(), postBody, true, cleanPost.contentLength(), true);
  }

  /** The whole request side of {@code GET /hello}: copy, clean-up, envelope, encode. */
  @Benchmark
  public byte[][] cleanAndEncodeGet() {
    HttpRequest request = get.freshRequest();
    RouterFixtures.Prepared p = RouterFixtures.prepare(request);
    return RequestEncoder.encode(
        p.envelope(), p.request(), Unpooled.EMPTY_BUFFER, true, p.contentLength(), false);
  }
}
