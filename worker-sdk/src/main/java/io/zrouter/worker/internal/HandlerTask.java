package io.zrouter.worker.internal;

import io.zrouter.worker.Handler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the user's handler for one stream on a handler thread and makes sure the stream ends: a
 * response the handler left open is ended, a failure becomes a 500 or a reset.
 */
public final class HandlerTask implements Runnable {
  private static final Logger log = LoggerFactory.getLogger(HandlerTask.class);

  private final Handler handler;
  private final WorkerStream stream;
  private final WorkerRequest request;
  private final WorkerResponse response;
  private final Runnable onDone;

  /** {@code onDone} runs once, when the task finished or will never run. */
  HandlerTask(
      Handler handler,
      WorkerStream stream,
      WorkerRequest request,
      WorkerResponse response,
      Runnable onDone) {
    this.handler = handler;
    this.stream = stream;
    this.request = request;
    this.response = response;
    this.onDone = onDone;
  }

  @Override
  public void run() {
    try {
      runHandler();
    } finally {
      onDone.run();
    }
  }

  private void runHandler() {
    if (stream.isCancelled()) {
      log.debug("skipping cancelled stream stream = {}", stream.id());
      return;
    }
    long deadline = request.deadlineUnixMs();
    if (deadline > 0 && System.currentTimeMillis() > deadline) {
      // The router has answered 504 already: running it now would only waste work.
      log.info(
          "not starting a request past its deadline request_id = {} late_ms = {}",
          stream.requestId(),
          System.currentTimeMillis() - deadline);
      stream.expire();
      return;
    }
    WebSocketSession webSocket = stream.webSocket();
    try {
      handler.handle(request, response);
      response.finish();
      if (webSocket != null) {
        webSocket.closeIfOpen(1000, ""); // the handler owned the session
      }
    } catch (Throwable t) {
      if (webSocket != null && webSocket.isAccepted() && !webSocket.isOpen()) {
        // A send raced the session's end (the client closed, or this side did): routine.
        log.debug("websocket handler stopped after its session ended stream = {}", stream.id(), t);
        return;
      }
      if (webSocket != null) {
        webSocket.closeIfOpen(1011, "handler failed");
      }
      onFailure(t);
    }
  }

  /** The task will never run (the worker closed first): tell the router it may retry. */
  public void refuse() {
    onDone.run();
    stream.refuse("worker closed before the request started");
  }

  private void onFailure(Throwable failure) {
    if (stream.isCancelled()) {
      log.debug(
          "handler stopped on cancelled stream request_id = {} stream = {} cause = {}",
          stream.requestId(),
          stream.id(),
          failure.toString());
      return;
    }
    log.warn(
        "handler failed request_id = {} request = {} committed = {}",
        stream.requestId(),
        request,
        response.isCommitted(),
        failure);
    try {
      if (!response.fail()) {
        log.debug("response had already ended request_id = {}", stream.requestId());
      }
    } catch (Exception e) {
      log.warn(
          "could not report handler failure request_id = {} cause = {}",
          stream.requestId(),
          e.toString());
    }
  }
}
