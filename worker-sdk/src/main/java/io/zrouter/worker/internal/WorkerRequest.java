package io.zrouter.worker.internal;

import io.zrouter.proto.Header;
import io.zrouter.proto.RequestHead;
import io.zrouter.worker.Request;
import java.io.IOException;
import java.io.InputStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** {@link Request} over a received {@link RequestHead} and its stream. */
final class WorkerRequest implements Request {
  private final RequestHead head;
  private final WorkerStream stream;
  private final InputStream body;
  private final String path;
  private final String query;
  private Map<String, List<String>> headers;
  private Map<String, List<String>> queryParams;

  /** Epoch millis after which the router no longer waits for this request; 0 for none. */
  long deadlineUnixMs() {
    return head.getDeadlineUnixMs();
  }

  WorkerRequest(RequestHead head, WorkerStream stream) {
    this.head = head;
    this.stream = stream;
    this.body = stream.requestBody();
    String target = head.getPath();
    int q = target.indexOf('?');
    this.path = q < 0 ? target : target.substring(0, q);
    this.query = q < 0 ? "" : target.substring(q + 1);
  }

  private static Map<String, List<String>> indexHeaders(List<Header> list) {
    Map<String, List<String>> map = new LinkedHashMap<>();
    for (Header h : list) {
      map.computeIfAbsent(h.getName().toLowerCase(Locale.ROOT), k -> new ArrayList<>(1))
          .add(h.getValue());
    }
    map.replaceAll((k, v) -> List.copyOf(v));
    return Collections.unmodifiableMap(map);
  }

  @Override
  public String method() {
    return head.getMethod();
  }

  @Override
  public String target() {
    return head.getPath();
  }

  @Override
  public String path() {
    return path;
  }

  @Override
  public String query() {
    return query;
  }

  @Override
  public String queryParam(String name) {
    List<String> values = queryParams().get(name);
    return values == null ? null : values.get(0);
  }

  private synchronized Map<String, List<String>> queryParams() {
    if (queryParams == null) {
      Map<String, List<String>> map = new LinkedHashMap<>();
      if (!query.isEmpty()) {
        for (String pair : query.split("&")) {
          if (pair.isEmpty()) {
            continue;
          }
          int eq = pair.indexOf('=');
          String name = decode(eq < 0 ? pair : pair.substring(0, eq));
          String value = eq < 0 ? "" : decode(pair.substring(eq + 1));
          map.computeIfAbsent(name, k -> new ArrayList<>(1)).add(value);
        }
      }
      queryParams = map;
    }
    return queryParams;
  }

  private static String decode(String s) {
    try {
      return URLDecoder.decode(s, StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      return s; // a stray '%' is kept literally rather than failing the request
    }
  }

  /**
   * A scan of the head's few headers, cheaper than the index most requests would never use; the
   * index is built only when a handler asks for all of them.
   */
  @Override
  public String header(String name) {
    for (Header h : head.getHeadersList()) {
      if (h.getName().equalsIgnoreCase(name)) {
        return h.getValue();
      }
    }
    return null;
  }

  @Override
  public List<String> headers(String name) {
    List<String> values = null;
    for (Header h : head.getHeadersList()) {
      if (h.getName().equalsIgnoreCase(name)) {
        if (values == null) {
          values = new ArrayList<>(1);
        }
        values.add(h.getValue());
      }
    }
    return values == null ? List.of() : List.copyOf(values);
  }

  @Override
  public synchronized Map<String, List<String>> headers() {
    if (headers == null) {
      headers = indexHeaders(head.getHeadersList());
    }
    return headers;
  }

  @Override
  public String requestId() {
    return head.getRequestId();
  }

  @Override
  public String remoteAddress() {
    return head.getRemoteAddress();
  }

  @Override
  public String scheme() {
    return head.getScheme();
  }

  @Override
  public String authority() {
    return head.getAuthority();
  }

  @Override
  public String httpVersion() {
    return head.getHttpVersion();
  }

  @Override
  public long contentLength() {
    return head.getContentLength();
  }

  @Override
  public InputStream body() {
    return body;
  }

  @Override
  public byte[] bodyBytes() throws IOException {
    return body.readAllBytes();
  }

  @Override
  public boolean isCancelled() {
    return stream.isCancelled();
  }

  @Override
  public boolean isWebSocketUpgrade() {
    return head.getWebsocket();
  }

  @Override
  public String toString() {
    return head.getMethod() + " " + head.getPath();
  }
}
