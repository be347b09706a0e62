package io.zrouter.router.frontend;

import io.zrouter.router.config.RouterConfig;
import io.zrouter.router.stream.StreamRegistry;
import io.zrouter.router.upstream.WorkerLink;

/**
 * What every proxy handler of one router shares: its config, its live streams and the link to its
 * workers.
 */
public final class ProxyContext {
  private final RouterConfig config;
  private final StreamRegistry registry;
  private final WorkerLink link;
  private volatile boolean draining;

  public ProxyContext(RouterConfig config, StreamRegistry registry, WorkerLink link) {
    this.config = config;
    this.registry = registry;
    this.link = link;
  }

  RouterConfig config() {
    return config;
  }

  StreamRegistry registry() {
    return registry;
  }

  WorkerLink link() {
    return link;
  }

  /** From now on new requests on open connections get 503 and the connection closes. */
  public void startDraining() {
    draining = true;
  }

  boolean isDraining() {
    return draining;
  }
}
