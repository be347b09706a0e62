package io.zrouter.router.routing;

import static org.assertj.core.api.Assertions.assertThat;

import io.zrouter.proto.RouteSpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Which route a request matches: exact host, wildcard, any host; the longest prefix within. */
class RouteTableTest {
  private final RouteTable<String> table = new RouteTable<>();

  private void routes(String... routes) {
    for (String route : routes) {
      table.put(RouteSpec.parse(route), route);
    }
  }

  @ParameterizedTest
  @CsvSource({
    "/api, /api",
    "/api/, /api",
    "/api/x, /api",
    "/api?q=1, /api",
    "/api/x?q=/api/v2, /api",
    "/api/v2, /api/v2",
    "/api/v2/users/7, /api/v2",
    "/api/v20, /api",
    "/apix, ''",
    "/ap, ''",
    "/, ''",
    "/billing/invoices, /billing",
  })
  void matchesTheLongestPrefix_onSegmentBoundaries(String path, String expected) {
    routes("/api", "/api/v2", "/billing");
    assertThat(table.match("any.host", path)).isEqualTo(expected.isEmpty() ? null : expected);
  }

  @ParameterizedTest
  @CsvSource({
    "api.example.com, /x, api.example.com",
    "API.Example.com:8443, /x, api.example.com",
    "api.example.com., /x, api.example.com",
    "api.example.com, /v2/x, api.example.com/v2",
    "www.example.com, /x, *.example.com",
    "a.b.example.com, /x, *.example.com",
    "x.eu.example.com, /x, *.eu.example.com",
    "example.com, /x, /x",
    "other.org, /x, /x",
    "other.org, /y, ''",
    "'', /x, /x",
  })
  void prefersTheExactHost_thenTheLongestWildcard_thenAnyHost(
      String host, String path, String expected) {
    routes("api.example.com", "api.example.com/v2", "*.example.com", "*.eu.example.com", "/x");
    assertThat(table.match(host, path)).isEqualTo(expected.isEmpty() ? null : expected);
  }

  @Test
  void aHostWithoutThePath_fallsThroughToLessSpecificHosts() {
    routes("api.example.com/v2", "*.example.com/v1", "/v0");
    assertThat(table.match("api.example.com", "/v2/x")).isEqualTo("api.example.com/v2");
    assertThat(table.match("api.example.com", "/v1/x")).isEqualTo("*.example.com/v1");
    assertThat(table.match("api.example.com", "/v0")).isEqualTo("/v0");
    assertThat(table.match("api.example.com", "/v3")).isNull();
  }

  @Test
  void anIpv6Host_keepsItsColons() {
    routes("/x");
    table.put(new RouteSpec("[::1]", ""), "ipv6");
    assertThat(table.match("[::1]:8080", "/y")).isEqualTo("ipv6");
    assertThat(table.match("[::1]", "/y")).isEqualTo("ipv6");
  }

  @Test
  void aRemovedRoute_stopsMatching_andShorterPrefixesStillDo() {
    routes("/api", "/api/v2/deep");
    assertThat(table.match(null, "/api/v2/deep/x")).isEqualTo("/api/v2/deep");
    table.remove(RouteSpec.parse("/api/v2/deep"));
    assertThat(table.match(null, "/api/v2/deep/x")).isEqualTo("/api");
    table.remove(RouteSpec.parse("/api"));
    assertThat(table.match(null, "/api")).isNull();
    assertThat(table.isEmpty()).isTrue();
  }

  @Test
  void tenThousandRoutes_eachMatchesItsOwnRequests() {
    for (int i = 0; i < 10_000; i++) {
      table.put(RouteSpec.parse("/svc" + i), "svc" + i);
      table.put(RouteSpec.parse("host" + i + ".example.com"), "host" + i);
    }
    for (int i = 0; i < 10_000; i += 97) {
      assertThat(table.match("h", "/svc" + i + "/x/y")).isEqualTo("svc" + i);
      assertThat(table.match("HOST" + i + ".example.com:80", "/z")).isEqualTo("host" + i);
    }
    assertThat(table.match("h", "/svc10000")).isNull();
  }
}
