package io.zrouter.bridge;

import io.zrouter.worker.Handler;
import io.zrouter.worker.Request;
import io.zrouter.worker.Response;

/** The bridge's one handler: WebSocket upgrades to {@link WebSocketRelay}, the rest to HTTP. */
final class BridgeHandler implements Handler {
  private final HttpRelay http;
  private final WebSocketRelay webSocket;

  BridgeHandler(HttpRelay http, WebSocketRelay webSocket) {
    this.http = http;
    this.webSocket = webSocket;
  }

  /** Every relay waits on the upstream, so none runs on the worker's IO thread (the default). */
  @Override
  public void handle(Request request, Response response) throws Exception {
    if (request.isWebSocketUpgrade()) {
      webSocket.relay(request, response);
    } else {
      http.relay(request, response);
    }
  }
}
