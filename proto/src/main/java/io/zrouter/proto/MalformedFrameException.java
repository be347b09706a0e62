package io.zrouter.proto;

/** A message part that is not a valid zrouter {@link Frame}. */
public final class MalformedFrameException extends Exception {
  private static final long serialVersionUID = 1L;

  private final long streamId;

  public MalformedFrameException(String message) {
    this(message, 0);
  }

  public MalformedFrameException(String message, long streamId) {
    super(message);
    this.streamId = streamId;
  }

  /** The stream the bad part claimed to belong to, or 0 when not even that could be read. */
  public long streamId() {
    return streamId;
  }
}
