/**
 * The bridge: a zrouter worker that relays every request to an existing HTTP/1.1 app (its
 * <em>upstream</em>) with the JDK's HTTP client, so any app joins a router with no code.
 *
 * <p>{@link io.zrouter.bridge.BridgeMain} reads the command line ({@link
 * io.zrouter.bridge.BridgeOptions}) and starts a {@link io.zrouter.bridge.Bridge}: a worker whose
 * handler relays plain requests ({@code HttpRelay}) and WebSockets ({@code WebSocketRelay}), a
 * health check that makes the worker refuse requests while the upstream is down, and a watch that
 * stops the upstream side of relays whose client went away. {@code UpstreamTarget} maps a request
 * target to the upstream's, {@code UpstreamHeaders} says which headers cross, and {@code
 * LocalReply} makes the bridge's own answers (400, 502, 504).
 */
package io.zrouter.bridge;
