package io.zrouter.router.upstream;

import java.util.List;

/**
 * The link as the admin endpoint shows it.
 *
 * @param workers the workers on the addressed socket
 * @param refusals refusals from workers so far (busy, draining or unavailable)
 * @param resends refused requests sent again so far; each waited a pause that grows with its
 *     refusals, so a fleet that keeps refusing costs the router no busy loop
 */
public record LinkView(List<WorkerView> workers, long refusals, long resends) {}
