package io.zrouter.worker.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class RequestBodyStreamTest {
  private final java.util.concurrent.atomic.AtomicInteger credited =
      new java.util.concurrent.atomic.AtomicInteger();
  private final RequestBodyStream body = new RequestBodyStream(credited::addAndGet);

  @Test
  void reading_returnsCreditInSteps_whileMoreBodyMayCome() throws Exception {
    int step = RequestBodyStream.CREDIT_STEP;
    body.append(ByteString.copyFrom(new byte[step - 1]));
    body.readNBytes(step - 1);
    assertThat(credited.get()).isZero(); // below one step: nothing yet

    body.append(ByteString.copyFrom(new byte[2]));
    body.readNBytes(2);
    assertThat(credited.get()).isEqualTo(step + 1);

    body.append(ByteString.copyFrom(new byte[step]));
    body.end();
    body.readAllBytes();
    assertThat(credited.get()).isEqualTo(step + 1); // the body ended: no credit is needed
  }

  @Test
  void read_blocksUntilDataArrives() throws Exception {
    CompletableFuture<String> read =
        CompletableFuture.supplyAsync(
            () -> {
              try {
                return new String(body.readAllBytes(), "UTF-8");
              } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
              }
            });

    body.append(ByteString.copyFromUtf8("hel"));
    body.append(ByteString.EMPTY);
    body.append(ByteString.copyFromUtf8("lo"));
    assertThat(read).isNotDone();
    body.end();

    assertThat(read.get(5, TimeUnit.SECONDS)).isEqualTo("hello");
  }

  @Test
  void readIntoArray_spansChunksWithoutBlocking() throws Exception {
    body.append(ByteString.copyFromUtf8("ab"));
    body.append(ByteString.copyFromUtf8("cd"));
    byte[] buf = new byte[10];

    assertThat(body.read(buf, 0, 10)).isEqualTo(4);
    assertThat(new String(buf, 0, 4, "UTF-8")).isEqualTo("abcd");
    assertThat(body.available()).isZero();
  }

  @Test
  void abort_failsAWaitingReader() {
    CompletableFuture<Integer> read =
        CompletableFuture.supplyAsync(
            () -> {
              try {
                return body.read();
              } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
              }
            });

    body.abort(new IOException("stream 1 cancelled: reset by router"));

    assertThat(read)
        .failsWithin(5, TimeUnit.SECONDS)
        .withThrowableOfType(java.util.concurrent.ExecutionException.class)
        .withMessageContaining("reset by router");
  }

  @Test
  void abortAfterEnd_keepsTheCompleteBodyReadable() throws Exception {
    body.append(ByteString.copyFromUtf8("done"));
    body.end();
    body.abort(new IOException("late cancel"));

    assertThat(new String(body.readAllBytes(), "UTF-8")).isEqualTo("done");
  }

  @Test
  void interruptedReader_getsInterruptedIoException() {
    Thread.currentThread().interrupt();
    try {
      assertThatThrownBy(body::read).isInstanceOf(InterruptedIOException.class);
    } finally {
      Thread.interrupted();
    }
  }

  @Test
  void transferTo_handsOnEveryChunkInOrder_viewsAndRopesAlike() throws Exception {
    byte[] part = "xxhello, world!yy".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    ByteString aliased =
        com.google.protobuf.UnsafeByteOperations.unsafeWrap(part, 2, 6); // "hello,"
    ByteString rope = ByteString.copyFromUtf8(" wor").concat(ByteString.copyFromUtf8("ld!"));
    body.append(aliased);
    body.append(rope);
    body.end();
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();

    assertThat(body.transferTo(out)).isEqualTo(13);
    assertThat(out.toString(java.nio.charset.StandardCharsets.US_ASCII)).isEqualTo("hello, world!");
    assertThat(body.read()).isEqualTo(-1);
  }

  @Test
  void transferTo_waitsForMoreBody_andReturnsCreditLikeReads() throws Exception {
    int step = RequestBodyStream.CREDIT_STEP;
    CompletableFuture<Void> firstWrite = new CompletableFuture<>();
    java.io.ByteArrayOutputStream out =
        new java.io.ByteArrayOutputStream() {
          @Override
          public synchronized void write(byte[] b, int off, int len) {
            super.write(b, off, len);
            firstWrite.complete(null);
          }
        };
    CompletableFuture<Long> transfer =
        CompletableFuture.supplyAsync(
            () -> {
              try {
                return body.transferTo(out);
              } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
              }
            });
    body.append(ByteString.copyFrom(new byte[step]));
    firstWrite.get(5, TimeUnit.SECONDS);
    assertThat(credited.get()).isEqualTo(step); // granted before the bytes were handed on
    assertThat(transfer).isNotDone(); // the body has not ended: it waits for more

    body.append(ByteString.copyFrom(new byte[10]));
    body.end();
    assertThat(transfer.get(5, TimeUnit.SECONDS)).isEqualTo(step + 10L);
    assertThat(out.size()).isEqualTo(step + 10);
  }

  @Test
  void transferTo_failsWithTheAbortCause() {
    body.append(ByteString.copyFromUtf8("partial"));
    body.abort(new IOException("stream cancelled"));
    assertThatThrownBy(() -> body.transferTo(new java.io.ByteArrayOutputStream()))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("stream cancelled");
  }
}
