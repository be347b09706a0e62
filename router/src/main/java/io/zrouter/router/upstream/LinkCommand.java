package io.zrouter.router.upstream;

/**
 * What other threads ask of the link thread, through its queue, in order: send a request, pass a
 * follow-up frame to the worker holding a stream, send a refused request again with more of its
 * body, end a stream upstream, or report the workers.
 */
sealed interface LinkCommand
    permits Dispatch, StreamReset, WorkerLink.FollowUp, WorkerLink.MoreBody, WorkerLink.ViewQuery {}
