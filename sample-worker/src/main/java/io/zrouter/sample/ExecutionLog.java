package io.zrouter.sample;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Appends one line ({@code <id> <epoch ms>}) per executed request that carries {@code x-chaos-id},
 * so a harness can count executions across workers, even ones killed with -9 (each line is its own
 * write).
 */
final class ExecutionLog implements AutoCloseable {
  private final FileChannel file;

  ExecutionLog(Path path) {
    try {
      file =
          FileChannel.open(
              path, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot open execution log " + path, e);
    }
  }

  synchronized void executed(String chaosId) {
    try {
      file.write(
          ByteBuffer.wrap(
              (chaosId + " " + System.currentTimeMillis() + "\n")
                  .getBytes(StandardCharsets.UTF_8)));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void close() throws IOException {
    file.close();
  }
}
