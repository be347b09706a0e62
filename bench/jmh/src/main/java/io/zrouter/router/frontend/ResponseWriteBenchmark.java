package io.zrouter.router.frontend;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.HttpResponseEncoder;
import io.netty.util.ReferenceCountUtil;
import io.zrouter.proto.Frame;
import io.zrouter.proto.FrameCodec;
import io.zrouter.proto.MalformedFrameException;
import io.zrouter.proto.ResetReason;
import io.zrouter.router.stream.StreamRegistry;
import io.zrouter.router.stream.UpstreamControl;
import io.zrouter.worker.internal.WorkerFixtures;
import java.time.Duration;
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
 * The router's response side: the decoded frames of the worker's {@code 200} (3 headers, a 20-byte
 * body) through one {@link HttpExchange}, from its creation to its finish, into Netty HTTP objects
 * on an {@link EmbeddedChannel}. That is the exchange's whole life as {@link ProxyHandler} and the
 * worker link drive it: register, deadline, response head (header copy, hop-by-hop removal, {@code
 * x-request-id}), last content, finish, flush.
 *
 * <p>{@link #exchangeToObjects} stops at the HTTP objects; {@link #exchangeToBytes} adds Netty's
 * {@link HttpResponseEncoder}, so it ends with the bytes for the client's socket.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(
    value = 1,
    jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
public class ResponseWriteBenchmark {
  private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(30);
  private static final String REQUEST_ID = "6c1f0e5a9b2d4c7e8f1a2b3c4d5e6f70";

  /** The worker side is never told anything on the success path; counted to prove it. */
  private static final class QuietUpstream implements UpstreamControl {
    long calls;

    @Override
    public void reset(long streamId, ResetReason reason) {
      calls++;
    }

    @Override
    public void sendFollowUp(long streamId, byte[] frame) {
      calls++;
    }

    @Override
    public void resendRefused(
        io.zrouter.router.upstream.Dispatch refused, byte[][] moreBody, boolean stillFollows) {
      calls++;
    }
  }

  private final StreamRegistry registry = new StreamRegistry();
  private final QuietUpstream upstream = new QuietUpstream();
  private Frame head;
  private Frame body;
  private EmbeddedChannel objects;
  private EmbeddedChannel bytes;

  @Setup
  public void setUp() throws MalformedFrameException {
    byte[][] response = WorkerFixtures.helloResponse();
    if (response.length != 2) {
      throw new IllegalStateException("expected head and body, got " + response.length + " parts");
    }
    head = FrameCodec.decode(response[0]);
    body = FrameCodec.decode(response[1]);
    objects = new EmbeddedChannel(new ChannelInboundHandlerAdapter());
    bytes = new EmbeddedChannel(new HttpResponseEncoder(), new ChannelInboundHandlerAdapter());
  }

  @TearDown
  public void tearDown() {
    objects.finishAndReleaseAll();
    bytes.finishAndReleaseAll();
    if (upstream.calls != 0 || registry.size() != 0) {
      throw new IllegalStateException("the exchange did not end cleanly");
    }
  }

  @Benchmark
  public void exchangeToObjects(Blackhole bh) {
    respond(objects, bh);
  }

  @Benchmark
  public void exchangeToBytes(Blackhole bh) {
    respond(bytes, bh);
  }

  private void respond(EmbeddedChannel channel, Blackhole bh) {
    ChannelHandlerContext ctx = channel.pipeline().lastContext();
    long id = head.getStreamId();
    HttpExchange exchange =
        new HttpExchange(
            id,
            ctx,
            registry,
            upstream,
            REQUEST_ID,
            false,
            false,
            false,
            new RequestBodyRelay(id, upstream, ReadGate.of(channel)));
    exchange.start(REQUEST_TIMEOUT);
    exchange.onFrame(head);
    exchange.onFrame(body);
    exchange.flush();
    Object msg;
    while ((msg = channel.readOutbound()) != null) {
      bh.consume(msg);
      ReferenceCountUtil.release(msg);
    }
  }
}
