package io.zrouter.router;

/** The router could not start; the message is one line meant for the user. */
public final class StartupException extends Exception {
  private static final long serialVersionUID = 1L;

  public StartupException(String message, Throwable cause) {
    super(message, cause);
  }
}
