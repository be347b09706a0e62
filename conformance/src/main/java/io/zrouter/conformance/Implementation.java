package io.zrouter.conformance;

import java.util.Objects;

/**
 * A worker implementation under test: the name its column gets, and the command line that starts
 * one instance of it, with placeholders {@code {endpoint}}, {@code {id}} and {@code {concurrency}}.
 */
public record Implementation(String name, String template) {

  public Implementation {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(template, "template");
    if (!name.matches("[A-Za-z0-9_.-]+")) {
      throw new IllegalArgumentException("implementation name must be [A-Za-z0-9_.-]+: " + name);
    }
    if (!template.contains("{endpoint}")) {
      throw new IllegalArgumentException(
          "the command of " + name + " never names {endpoint}: " + template);
    }
  }

  /** Parses {@code NAME=COMMAND TEMPLATE}. */
  public static Implementation parse(String spec) {
    int eq = spec.indexOf('=');
    if (eq <= 0) {
      throw new IllegalArgumentException("expected NAME=COMMAND, got '" + spec + "'");
    }
    return new Implementation(spec.substring(0, eq), spec.substring(eq + 1));
  }

  /** The command for one instance, placeholders filled (the values need no shell quoting). */
  public String command(String endpoint, String id, int concurrency) {
    return template
        .replace("{endpoint}", endpoint)
        .replace("{id}", id)
        .replace("{concurrency}", Integer.toString(concurrency));
  }
}
