package io.zrouter.conformance.cases;

/** The implementation broke the contract: what was expected, what was seen. */
public final class CaseFailure extends Exception {
  private static final long serialVersionUID = 1L;

  private final String figure;

  public CaseFailure(String message) {
    this(message, null);
  }

  /** {@code figure}: what was measured before it failed, for the table; may be null. */
  public CaseFailure(String message, String figure) {
    super(message);
    this.figure = figure;
  }

  public String figure() {
    return figure;
  }
}
