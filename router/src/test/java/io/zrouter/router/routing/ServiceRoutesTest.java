package io.zrouter.router.routing;

import static org.assertj.core.api.Assertions.assertThat;

import io.zrouter.proto.RouteSpec;
import java.util.LinkedHashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Workers declaring the same routes share a service; an overlapping set is refused, loudly. */
class ServiceRoutesTest {
  private final ServiceRoutes<String> services = new ServiceRoutes<>();

  private static Set<RouteSpec> routes(String... routes) {
    Set<RouteSpec> set = new LinkedHashSet<>();
    for (String route : routes) {
      set.add(RouteSpec.parse(route));
    }
    return set;
  }

  private ServiceRoutes.Decision<String> declare(String... routes) {
    return services.declare(routes(routes), ServiceRoutes::describe);
  }

  @Test
  void theSameSet_inAnyOrderAndSpelling_joinsOneService() {
    assertThat(declare("/api", "/admin")).isEqualTo(new ServiceRoutes.Join<>("/admin, /api", true));
    assertThat(declare("/admin/", "/api"))
        .isEqualTo(new ServiceRoutes.Join<>("/admin, /api", false));
    assertThat(services.match("h", "/admin/x")).isEqualTo("/admin, /api");
  }

  @Test
  void anOverlappingSet_isRefusedWithItsReason_andTheRunningServiceIsUntouched() {
    declare("/api", "/admin");
    ServiceRoutes.Decision<String> refused = declare("/api");
    assertThat(refused).isInstanceOf(ServiceRoutes.Conflict.class);
    assertThat(((ServiceRoutes.Conflict<String>) refused).reason())
        .contains("route /api is served by a service with routes /admin, /api")
        .contains("not /api");
    assertThat(services.match("h", "/api")).isEqualTo("/admin, /api");
    assertThat(services.services()).hasSize(1);
  }

  @Test
  void nestedRoutes_doNotConflict() {
    declare("/api");
    assertThat(declare("/api/v2")).isInstanceOf(ServiceRoutes.Join.class);
    assertThat(services.match("h", "/api/v2/x")).isEqualTo("/api/v2");
    assertThat(services.match("h", "/api/v1")).isEqualTo("/api");
  }

  @Test
  void aRetiredService_freesItsRoutes() {
    declare("/api", "/admin");
    services.retire(routes("/api", "/admin"));
    assertThat(services.match("h", "/api")).isNull();
    assertThat(declare("/api")).isEqualTo(new ServiceRoutes.Join<>("/api", true));
  }
}
