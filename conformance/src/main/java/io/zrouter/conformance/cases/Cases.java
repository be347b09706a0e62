package io.zrouter.conformance.cases;

import java.util.List;

/** The conformance cases, in the order they run and are listed. */
public final class Cases {
  private Cases() {}

  public static List<ConformanceCase> all() {
    return List.of(
        new HelloCase(),
        new RoundRobinCase(),
        new EchoCase("echo_small", 1024),
        new EchoCase("echo_1mib", 1 << 20),
        new StreamFirstChunkCase(),
        new CancelCase(),
        new LivenessCase(),
        new DrainCase(),
        new CapacityCase(),
        new MixedFleetCase());
  }
}
