package io.zrouter.router.config;

/**
 * The ports the router may bind services' dispatch sockets on ({@code --service-ports 5600-5699}),
 * for firewalls and containers that open a known range.
 */
public record PortRange(int first, int last) {
  public PortRange {
    if (first < 1 || last > 65535 || first > last) {
      throw new IllegalArgumentException(
          "a port range is FIRST-LAST within 1-65535, FIRST <= LAST: " + first + "-" + last);
    }
  }

  /**
   * Parses {@code FIRST-LAST}, or a single port.
   *
   * @throws IllegalArgumentException when malformed
   */
  public static PortRange parse(String text) {
    String[] ends = text.trim().split("-", -1);
    try {
      if (ends.length == 1) {
        int port = Integer.parseInt(ends[0].trim());
        return new PortRange(port, port);
      }
      if (ends.length == 2) {
        return new PortRange(Integer.parseInt(ends[0].trim()), Integer.parseInt(ends[1].trim()));
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new IllegalArgumentException("not a port range (FIRST-LAST): " + text);
  }

  @Override
  public String toString() {
    return first + "-" + last;
  }
}
