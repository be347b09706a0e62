package io.zrouter.proto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Routes as workers declare them: what parses, to what canonical form, and what is refused. */
class RouteSpecTest {

  @ParameterizedTest
  @CsvSource({
    "api.example.com, api.example.com, ''",
    "API.Example.COM, api.example.com, ''",
    "api.example.com., api.example.com, ''",
    "*.example.com, *.example.com, ''",
    "/billing, , /billing",
    "/billing/, , /billing",
    "/api/v2, , /api/v2",
    "api.example.com/v2, api.example.com, /v2",
    "api.example.com/, api.example.com, ''",
    "localhost, localhost, ''",
    "10.0.0.7/x, 10.0.0.7, /x",
  })
  void parses_toItsCanonicalForm(String text, String host, String path) {
    RouteSpec route = RouteSpec.parse(text);
    assertThat(route.host()).isEqualTo(host);
    assertThat(route.path()).isEqualTo(path);
    assertThat(RouteSpec.parse(route.toString())).isEqualTo(route);
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "'' | empty route",
        "/ | matches every request",
        "api.example.com:8080 | no port",
        "*.example.com:80/x | no port",
        "a*.example.com | wildcard",
        "api.*.com | wildcard",
        "*. | wildcard",
        "* | wildcard",
        ". | no host name",
        "a..b | 1 to 63 characters",
        "-api.example.com | neither starts nor ends",
        "api example.com | not allowed",
        "/api?x=1 | no query",
        "/api#top | no query or fragment",
        "/a//b | empty path segment",
        "/a/../b | segments",
        "/a b | printable ASCII",
      })
  void refusesAMalformedRoute_sayingWhy(String text, String why) {
    assertThatThrownBy(() -> RouteSpec.parse(text))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(why);
  }

  @Test
  void refusesAnOverlongRoute() {
    assertThatThrownBy(() -> RouteSpec.parse("/" + "a".repeat(RouteSpec.MAX_LENGTH)))
        .hasMessageContaining("longer than");
  }

  @Test
  void travelsAsItsProtoMessage() {
    for (String text : new String[] {"api.example.com/v2", "/billing", "*.example.com"}) {
      RouteSpec route = RouteSpec.parse(text);
      assertThat(RouteSpec.fromProto(route.toProto())).isEqualTo(route);
    }
  }

  @Test
  void knowsAWildcard() {
    assertThat(RouteSpec.parse("*.example.com").wildcardHost()).isTrue();
    assertThat(RouteSpec.parse("example.com").wildcardHost()).isFalse();
    assertThat(RouteSpec.parse("/x").wildcardHost()).isFalse();
  }
}
