package io.zrouter.proto;

import io.zrouter.router.frontend.RouterFixtures;
import io.zrouter.worker.internal.WorkerFixtures;
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
import org.openjdk.jmh.annotations.Warmup;

/**
 * {@link FrameCodec} on the frames of one exchange, exactly as the router and the SDK make them:
 * the {@code GET /hello} request head (11 headers), the worker's response head (3 headers) and the
 * 1 KiB request body frame of {@code POST /echo}.
 *
 * <p>Encode serializes an already built frame; protobuf memoizes a message's size, so this is the
 * write alone. Building the frames is in the router and worker benchmarks. Decode parses and
 * validates. It asks protobuf to alias {@code bytes} fields, but protobuf aliases only input it
 * knows to be immutable, which a plain {@code byte[]} is not: {@link #decodeBody1k}'s B/op shows
 * the body copied.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(
    value = 1,
    jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
public class FrameCodecBenchmark {
  private byte[] requestHeadBytes;
  private byte[] responseHeadBytes;
  private byte[] bodyBytes;
  private Frame requestHead;
  private Frame responseHead;
  private Frame body;

  @Setup
  public void setUp() throws MalformedFrameException {
    requestHeadBytes = RouterFixtures.dispatchedGetHello()[0];
    responseHeadBytes = WorkerFixtures.helloResponse()[0];
    bodyBytes = RouterFixtures.dispatchedPostEcho()[1];
    requestHead = FrameCodec.decode(requestHeadBytes);
    responseHead = FrameCodec.decode(responseHeadBytes);
    body = FrameCodec.decode(bodyBytes);
    if (!requestHead.hasRequestHead() || !responseHead.hasResponseHead() || !body.hasBody()) {
      throw new IllegalStateException("fixtures are not the frames this benchmark expects");
    }
  }

  @Benchmark
  public byte[] encodeRequestHead() {
    return FrameCodec.encode(requestHead);
  }

  @Benchmark
  public Frame decodeRequestHead() throws MalformedFrameException {
    return FrameCodec.decode(requestHeadBytes);
  }

  @Benchmark
  public byte[] encodeResponseHead() {
    return FrameCodec.encode(responseHead);
  }

  @Benchmark
  public Frame decodeResponseHead() throws MalformedFrameException {
    return FrameCodec.decode(responseHeadBytes);
  }

  @Benchmark
  public byte[] encodeBody1k() {
    return FrameCodec.encode(body);
  }

  @Benchmark
  public Frame decodeBody1k() throws MalformedFrameException {
    return FrameCodec.decode(bodyBytes);
  }
}
