/**
 * Implementation of the worker SDK; not API, may change without notice.
 *
 * <p>Threads: one IO thread ({@link io.zrouter.worker.internal.WorkerIoThread}) owns the ZeroMQ
 * ROUTER socket and is the only one touching it; the {@link
 * io.zrouter.worker.internal.RequestDispatcher} and the stream registry are confined to it. Handler
 * threads run {@link io.zrouter.worker.internal.HandlerTask}s and hand encoded frames to the IO
 * thread through the {@link io.zrouter.worker.internal.OutboundQueue} plus a {@link
 * io.zrouter.transport.Wakeup}.
 */
package io.zrouter.worker.internal;
