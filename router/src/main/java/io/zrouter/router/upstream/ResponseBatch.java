package io.zrouter.router.upstream;

import io.netty.util.concurrent.EventExecutor;
import io.zrouter.proto.Frame;
import io.zrouter.router.stream.ProxyStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Response frames received in one pass of the link thread, grouped by the event loop of their
 * stream, so each event loop is woken once per pass rather than once per frame.
 */
final class ResponseBatch {
  private record Delivery(ProxyStream stream, Frame frame, String error) {}

  private final Map<EventExecutor, List<Delivery>> byLoop = new HashMap<>();

  void frame(ProxyStream stream, Frame frame) {
    add(new Delivery(stream, frame, null));
  }

  void protocolError(ProxyStream stream, String error) {
    add(new Delivery(stream, null, error));
  }

  private void add(Delivery d) {
    byLoop.computeIfAbsent(d.stream.executor(), e -> new ArrayList<>()).add(d);
  }

  /** Submits one task per event loop and empties the batch. */
  void dispatchAll() {
    if (byLoop.isEmpty()) {
      return;
    }
    byLoop.forEach((loop, deliveries) -> loop.execute(() -> deliver(deliveries)));
    byLoop.clear();
  }

  /** Runs on one event loop: applies the frames in order, then flushes each stream once. */
  private static void deliver(List<Delivery> deliveries) {
    List<ProxyStream> touched = new ArrayList<>();
    for (Delivery d : deliveries) {
      if (d.stream.isDone()) {
        continue;
      }
      if (d.frame != null) {
        d.stream.onFrame(d.frame);
      } else {
        d.stream.onUpstreamProtocolError(d.error);
      }
      if (touched.isEmpty() || touched.get(touched.size() - 1) != d.stream) {
        touched.add(d.stream);
      }
    }
    for (ProxyStream stream : touched) {
      stream.flush();
    }
  }
}
