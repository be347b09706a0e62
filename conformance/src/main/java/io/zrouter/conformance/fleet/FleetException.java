package io.zrouter.conformance.fleet;

/** The processes of a case could not be started or made ready; names the process at fault. */
public final class FleetException extends Exception {
  private static final long serialVersionUID = 1L;

  public FleetException(String message, ChildProcess culprit) {
    super(message + (culprit == null ? "" : ": " + culprit));
  }
}
