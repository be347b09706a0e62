package io.zrouter.worker.internal;

/**
 * One encoded frame on its way to a router.
 *
 * @param stream the stream it belongs to (its key says which router gets it)
 * @param bytes the serialized {@code Frame}; handed to ZeroMQ as is, never modified
 * @param endsStream whether the worker's side of the stream ends with this frame
 * @param viaRouterSocket send on the ROUTER socket even when the stream's path is an addressed link
 *     (acknowledgements: the socket the request came in on is known to work)
 * @param evenIfCancelled goes out although its stream was cancelled here (the reset that tells the
 *     router why this worker abandoned the stream)
 */
public record OutboundFrame(
    WorkerStream stream,
    byte[] bytes,
    boolean endsStream,
    boolean viaRouterSocket,
    boolean evenIfCancelled) {

  public OutboundFrame(WorkerStream stream, byte[] bytes, boolean endsStream) {
    this(stream, bytes, endsStream, false, false);
  }

  public OutboundFrame(
      WorkerStream stream, byte[] bytes, boolean endsStream, boolean viaRouterSocket) {
    this(stream, bytes, endsStream, viaRouterSocket, false);
  }
}
