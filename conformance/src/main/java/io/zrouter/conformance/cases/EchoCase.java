package io.zrouter.conformance.cases;

import static io.zrouter.conformance.cases.Checks.ok;

import io.zrouter.conformance.fleet.Fleet;
import io.zrouter.conformance.fleet.FleetSpec;
import io.zrouter.conformance.http.Reply;
import java.util.Arrays;
import java.util.Random;

/**
 * {@code POST /echo} with random bytes answers exactly those bytes. At 1 MiB the request body is
 * bigger than what the router sends in the dispatched message: the rest streams to the worker on
 * the addressed path, against the credit the worker grants ({@code window_update}).
 */
final class EchoCase implements ConformanceCase {
  private final String name;
  private final int size;

  EchoCase(String name, int size) {
    this.name = name;
    this.size = size;
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public FleetSpec fleet() {
    return FleetSpec.instances(1);
  }

  @Override
  public String run(Fleet fleet) throws Exception {
    byte[] body = new byte[size];
    new Random(size).nextBytes(body);
    Reply r = ok(fleet.http().post("/echo", body), "POST /echo of " + size + " bytes");
    byte[] got = r.body();
    if (!Arrays.equals(body, got)) {
      int at = Arrays.mismatch(body, got);
      throw new CaseFailure(
          "echoed body differs: sent "
              + size
              + " bytes, got "
              + got.length
              + ", first difference at byte "
              + at,
          Checks.ms(r.millis()));
    }
    return Checks.ms(r.millis());
  }
}
