/**
 * The zrouter worker SDK: write a {@link io.zrouter.worker.Handler}, start a {@link
 * io.zrouter.worker.Worker} connected to one or more routers, and it serves the requests they
 * dispatch.
 *
 * <p>{@link io.zrouter.worker.Request} gives the request head and a streaming body; {@link
 * io.zrouter.worker.Response} sends the answer frame by frame as it is produced. Everything in
 * {@code io.zrouter.worker.internal} is implementation, not API.
 */
package io.zrouter.worker;
