package io.zrouter.worker.internal;

import io.zrouter.bench.jmh.Traffic;
import io.zrouter.proto.MalformedFrameException;
import io.zrouter.router.frontend.RouterFixtures;
import io.zrouter.transport.Wakeup;
import io.zrouter.worker.Request;
import java.io.IOException;
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
import org.openjdk.jmh.infra.Blackhole;

/**
 * The worker SDK's side: a dispatched message (as the router encodes it) becoming a {@link Request}
 * for the handler, and the handler's {@code /hello} answer becoming encoded frames queued for the
 * IO thread.
 *
 * <p>The benchmark thread plays the IO thread, as it does for a handler that runs inline (the
 * sample worker's {@code /hello}): queuing needs no wake-up then. A handler on a handler thread
 * also pays for one wake-up pipe write per IO drain cycle, which is not measured here.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(
    value = 1,
    jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
public class WorkerCodecBenchmark {
  private byte[][] getHello;
  private byte[][] postEcho;
  private Wakeup wakeup;
  private OutboundQueue outbound;
  private WorkerStream stream;

  @Setup
  public void setUp() throws IOException {
    getHello = RouterFixtures.dispatchedGetHello();
    postEcho = RouterFixtures.dispatchedPostEcho();
    wakeup = new Wakeup();
    outbound = new OutboundQueue(wakeup, WorkerFixtures.OUTBOUND_LIMIT);
    outbound.ownedBy(Thread.currentThread()); // JMH runs @Setup on the benchmark thread
    stream =
        new WorkerStream(
            new StreamKey(WorkerFixtures.ROUTER, 1),
            WorkerFixtures.routerPath(),
            "6c1f0e5a9b2d4c7e8f1a2b3c4d5e6f70",
            outbound);
  }

  @TearDown
  public void tearDown() {
    if (outbound.pendingBytes() != 0) {
      throw new IllegalStateException("frames left in the outbound queue");
    }
    outbound.close();
    wakeup.close();
  }

  /** Decode and validate the head, open the stream, index 11 headers. */
  @Benchmark
  public Request receiveGet() throws MalformedFrameException {
    return WorkerFixtures.receive(getHello, outbound);
  }

  /** As {@link #receiveGet}, plus a 1 KiB body frame decoded and fed to the stream. */
  @Benchmark
  public Request receivePost1k() throws MalformedFrameException {
    return WorkerFixtures.receive(postEcho, outbound);
  }

  /**
   * The handler's answer: status, 3 headers, a 20-byte body; built, encoded and queued as the
   * frames the IO thread sends. The queue is drained as the IO thread would.
   */
  @Benchmark
  public void respondHello(Blackhole bh) {
    WorkerFixtures.answerHello(new WorkerResponse(stream, Traffic.WORKER_ID, false));
    OutboundFrame frame;
    while ((frame = outbound.poll()) != null) {
      bh.consume(frame.bytes());
      outbound.release(frame.bytes().length);
    }
  }
}
