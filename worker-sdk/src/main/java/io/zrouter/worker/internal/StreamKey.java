package io.zrouter.worker.internal;

/**
 * Names a stream on this worker. Stream ids are only unique per router, so the router's routing id
 * is part of the key.
 */
public record StreamKey(PeerId peer, long streamId) {}
