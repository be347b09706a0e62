package io.zrouter.conformance.cases;

import io.zrouter.conformance.fleet.Fleet;
import io.zrouter.conformance.fleet.FleetSpec;

/** One behaviour of the worker contract (docs/conformance.md), checked through a real router. */
public interface ConformanceCase {

  /** The row name in the results, e.g. {@code cancel}. */
  String name();

  /** The processes it needs; it gets them fresh. */
  FleetSpec fleet();

  /**
   * Runs the check on a serving fleet.
   *
   * @return the measured figure for the table, e.g. {@code 12 ms}
   * @throws CaseFailure when the implementation does not behave as the contract says
   */
  String run(Fleet fleet) throws Exception;
}
