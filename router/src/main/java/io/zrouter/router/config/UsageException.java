package io.zrouter.router.config;

/** A command line the router cannot run with; the message is shown to the user as is. */
public final class UsageException extends Exception {
  private static final long serialVersionUID = 1L;

  public UsageException(String message) {
    super(message);
  }
}
