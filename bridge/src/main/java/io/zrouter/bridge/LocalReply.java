package io.zrouter.bridge;

import io.zrouter.worker.Response;

/**
 * Answers the bridge makes itself, when the upstream gives none: a short {@code text/plain} body
 * starting {@code zrouter-bridge:}, as the router's own start {@code zrouter:}.
 *
 * <table>
 *   <caption>Statuses</caption>
 *   <tr><td>400</td><td>a request the JDK client cannot send (e.g. {@code OPTIONS *}, {@code
 *       CONNECT})</td></tr>
 *   <tr><td>502</td><td>the upstream refused or reset the connection, or failed before its
 *       response head; or sent a status the protocol cannot carry</td></tr>
 *   <tr><td>504</td><td>no response head within {@code --upstream-timeout}</td></tr>
 * </table>
 */
final class LocalReply {
  private LocalReply() {}

  static void badRequest(Response response, String why) {
    send(response, 400, why);
  }

  static void badGateway(Response response, String why) {
    send(response, 502, why);
  }

  static void gatewayTimeout(Response response, String why) {
    send(response, 504, why);
  }

  private static void send(Response response, int status, String why) {
    response
        .status(status)
        .header("content-type", "text/plain; charset=utf-8")
        .send("zrouter-bridge: " + why + "\n");
  }
}
