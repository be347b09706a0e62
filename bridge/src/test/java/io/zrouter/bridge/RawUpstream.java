package io.zrouter.bridge;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * An upstream scripted byte by byte on a plain socket, for what an HTTP server library hides: a
 * connection the client closes (read returns -1), a response cut short, a connection closed before
 * any answer. Each connection runs the script on its own thread.
 */
final class RawUpstream implements AutoCloseable {
  /** What the upstream does on one connection. */
  @FunctionalInterface
  interface Script {
    void serve(InputStream in, OutputStream out) throws IOException;
  }

  private final ServerSocket server;
  private final List<Socket> connections = new CopyOnWriteArrayList<>();
  private final Thread acceptor;

  RawUpstream(Script script) throws IOException {
    server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    acceptor =
        new Thread(
            () -> {
              while (!server.isClosed()) {
                Socket socket;
                try {
                  socket = server.accept();
                } catch (IOException ignored) {
                  return; // the test closed the server
                }
                connections.add(socket);
                Thread t =
                    new Thread(
                        () -> {
                          try (Socket s = socket) {
                            script.serve(s.getInputStream(), s.getOutputStream());
                          } catch (IOException ignored) {
                            // the test's script decides what a failure means; the socket is closed
                          }
                        },
                        "raw-upstream-connection");
                t.setDaemon(true);
                t.start();
              }
            },
            "raw-upstream-accept");
    acceptor.setDaemon(true);
    acceptor.start();
  }

  URI uri() {
    return URI.create("http://127.0.0.1:" + server.getLocalPort());
  }

  /** Reads a request head, up to and including the empty line; returns it as text. */
  static String readHead(InputStream in) throws IOException {
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    int matched = 0;
    byte[] end = {'\r', '\n', '\r', '\n'};
    while (matched < end.length) {
      int b = in.read();
      if (b < 0) {
        throw new IOException("connection closed inside the request head");
      }
      head.write(b);
      matched = b == end[matched] ? matched + 1 : (b == '\r' ? 1 : 0);
    }
    return head.toString(StandardCharsets.ISO_8859_1);
  }

  /** Reads until the peer closes the connection (or resets it). */
  static void readUntilClosed(InputStream in) {
    byte[] buffer = new byte[8192];
    try {
      while (in.read(buffer) >= 0) {
        // discard: only the end matters
      }
    } catch (IOException ignored) {
      // a reset is a close too
    }
  }

  @Override
  public void close() throws Exception {
    server.close();
    for (Socket s : connections) {
      s.close();
    }
    acceptor.join(5000);
  }
}
