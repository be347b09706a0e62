package io.zrouter.conformance;

import java.nio.file.Path;

/**
 * The outcome of one case for one implementation.
 *
 * @param figure what was measured, for the table (e.g. {@code 12 ms}); may be null
 * @param detail why it failed; null when it passed
 * @param logDir where the case's process logs are
 * @param seconds how long the case took, processes included
 */
public record CaseResult(
    String implementation,
    String caseName,
    boolean passed,
    String figure,
    String detail,
    Path logDir,
    double seconds) {}
