package io.zrouter.router.upstream;

/**
 * One worker as the admin endpoint shows it.
 *
 * @param id the worker's own id, from its hello
 * @param routingId its connection's routing id on the addressed socket
 * @param inFlight streams it holds now
 * @param lastSeenMillisAgo how long since it last sent anything (a heartbeat at least)
 * @param joinedAtUnixMillis when it said hello
 * @param typicalLatencyMillis its typical time from taking a request to its response head (a moving
 *     geometric mean); 0 before its first response
 * @param maxStreams the stream limit the router sets it for being slow; 0 for none
 * @param draining it said it drains (refuses new requests, finishes what it holds)
 * @param unhealthy it said it is unavailable (refuses new requests until it says it serves again)
 * @param service its service: its routes, {@code default}, or {@code refused}; empty before its
 *     hello
 */
public record WorkerView(
    String id,
    String routingId,
    int inFlight,
    long lastSeenMillisAgo,
    long joinedAtUnixMillis,
    double typicalLatencyMillis,
    int maxStreams,
    boolean draining,
    boolean unhealthy,
    String service) {}
