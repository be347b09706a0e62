package io.zrouter.router;

import io.zrouter.sample.SampleHandler;
import io.zrouter.worker.Worker;
import java.util.ArrayList;
import java.util.List;

/** In-process sample workers (SDK + the sample handler), closed together. */
final class TestWorkers implements AutoCloseable {
  private final List<Worker> workers = new ArrayList<>();

  static TestWorkers start(String endpoint, String... ids) {
    TestWorkers all = new TestWorkers();
    for (String id : ids) {
      all.add(endpoint, id);
    }
    return all;
  }

  Worker add(String endpoint, String id) {
    Worker worker =
        Worker.builder()
            .connect(endpoint)
            .id(id)
            .concurrency(64)
            .drainTimeout(java.time.Duration.ofSeconds(2))
            .handler(new SampleHandler(id))
            .start();
    workers.add(worker);
    return worker;
  }

  @Override
  public void close() {
    workers.forEach(Worker::close);
    workers.clear();
  }
}
