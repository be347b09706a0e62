package io.zrouter.conformance.fleet;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse.BodyHandlers;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The router's {@code GET /_zrouter/workers}, typed: the workers it knows on the addressed path
 * (those that said {@code worker_hello} and are not dead or gone).
 */
public final class AdminView {
  private static final Pattern OBJECT = Pattern.compile("\\{[^{}]*\\}");
  private static final Pattern ID = Pattern.compile("\"id\":\"([^\"]*)\"");
  private static final Pattern IN_FLIGHT = Pattern.compile("\"in_flight\":(\\d+)");
  private static final Pattern STATE = Pattern.compile("\"state\":\"([^\"]*)\"");

  private final HttpClient client = HttpClient.newHttpClient();
  private final URI workersUri;

  AdminView(int adminPort) {
    this.workersUri = URI.create("http://127.0.0.1:" + adminPort + "/_zrouter/workers");
  }

  /** One worker as the router sees it: id, streams it holds, {@code ready} or {@code draining}. */
  public record WorkerEntry(String id, int inFlight, String state) {}

  public List<WorkerEntry> workers() throws IOException, InterruptedException {
    String json =
        client
            .send(
                HttpRequest.newBuilder(workersUri).timeout(Duration.ofSeconds(5)).build(),
                BodyHandlers.ofString())
            .body();
    int start = json.indexOf("\"workers\":[");
    if (start < 0) {
      throw new IOException("no workers list in " + json);
    }
    List<WorkerEntry> workers = new ArrayList<>();
    Matcher object = OBJECT.matcher(json);
    object.region(start, json.length());
    while (object.find()) {
      String o = object.group();
      workers.add(
          new WorkerEntry(field(ID, o), Integer.parseInt(field(IN_FLIGHT, o)), field(STATE, o)));
    }
    return workers;
  }

  public Optional<WorkerEntry> worker(String id) throws IOException, InterruptedException {
    return workers().stream().filter(w -> w.id().equals(id)).findFirst();
  }

  private static String field(Pattern p, String object) throws IOException {
    Matcher m = p.matcher(object);
    if (!m.find()) {
      throw new IOException("no " + p.pattern() + " in " + object);
    }
    return m.group(1);
  }
}
