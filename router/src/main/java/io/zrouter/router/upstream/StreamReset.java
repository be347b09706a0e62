package io.zrouter.router.upstream;

import io.zrouter.proto.ResetReason;

/** A command to the link: the exchange of this stream ended without the worker ending it. */
record StreamReset(long streamId, ResetReason reason) implements LinkCommand {}
