package io.zrouter.worker.internal;

import io.zrouter.bench.jmh.Traffic;
import io.zrouter.proto.Body;
import io.zrouter.proto.Frame;
import io.zrouter.proto.FrameCodec;
import io.zrouter.proto.MalformedFrameException;
import io.zrouter.proto.RequestHead;
import io.zrouter.transport.Wakeup;
import io.zrouter.worker.Request;
import io.zrouter.worker.Response;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The worker's side of {@link Traffic}, made by the SDK's own code. Public so that the proto and
 * router benchmarks decode exactly what a worker sends.
 */
public final class WorkerFixtures {
  static final PeerId ROUTER = new PeerId("tcp://127.0.0.1:5555".getBytes(StandardCharsets.UTF_8));

  /** Outbound budget: the SDK's default, never reached here. */
  static final long OUTBOUND_LIMIT = 8L << 20;

  private WorkerFixtures() {}

  /**
   * The reply path of a router without an addressed socket. It only carries its socket for the IO
   * thread's sends, which no benchmark makes, so it has none.
   */
  static ReplyPath routerPath() {
    return new RouterReplyPath(null, ROUTER);
  }

  /** What the sample worker's {@code /hello} handler does, plus one header: 3 headers, 20 bytes. */
  static void answerHello(Response response) {
    response
        .header("content-type", Traffic.TEXT_PLAIN)
        .header("cache-control", "no-store")
        .send(Traffic.HELLO_BODY);
  }

  /**
   * What {@code RequestDispatcher} does with a dispatched message that starts a stream, minus the
   * bookkeeping (capacity, registry, acknowledgement): decode and validate every part, open the
   * stream, feed it the body, and index the head for the handler.
   */
  static Request receive(byte[][] parts, OutboundQueue outbound) throws MalformedFrameException {
    Frame first = FrameCodec.decode(parts[0]);
    RequestHead head = first.getRequestHead();
    WorkerStream stream =
        new WorkerStream(
            new StreamKey(ROUTER, first.getStreamId()),
            routerPath(),
            head.getRequestId(),
            outbound);
    if (head.getEndStream()) {
      stream.endRequest();
    }
    for (int i = 1; i < parts.length; i++) {
      Body body = FrameCodec.decode(parts[i]).getBody();
      stream.received(body.getData().size());
      stream.requestBody().append(body.getData());
      if (body.getEndStream()) {
        stream.endRequest();
      }
    }
    return new WorkerRequest(head, stream);
  }

  /** The message the worker sends for {@code /hello}: response head and body frame, encoded. */
  public static byte[][] helloResponse() {
    try (Wakeup wakeup = new Wakeup()) {
      OutboundQueue outbound = new OutboundQueue(wakeup, OUTBOUND_LIMIT);
      outbound.ownedBy(Thread.currentThread());
      WorkerStream stream = new WorkerStream(new StreamKey(ROUTER, 1), routerPath(), "", outbound);
      answerHello(new WorkerResponse(stream, Traffic.WORKER_ID, false));
      List<byte[]> parts = new ArrayList<>();
      OutboundFrame frame;
      while ((frame = outbound.poll()) != null) {
        parts.add(frame.bytes());
      }
      return parts.toArray(new byte[0][]);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
