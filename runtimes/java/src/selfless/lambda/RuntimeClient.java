package selfless.lambda;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.URL;
import java.nio.charset.StandardCharsets;

/** The Lambda Runtime API 2018-06-01 client, at AWS_LAMBDA_RUNTIME_API. */
final class RuntimeClient {
  private final String base;

  RuntimeClient(String hostPort) {
    this.base = "http://" + hostPort + "/2018-06-01/runtime/";
  }

  /** One event and its headers. */
  static final class Invocation {
    final String requestId;
    final byte[] payload;
    final HttpURLConnection headers;

    Invocation(String requestId, byte[] payload, HttpURLConnection headers) {
      this.requestId = requestId;
      this.payload = payload;
      this.headers = headers;
    }

    String header(String name) {
      return headers.getHeaderField(name);
    }
  }

  /** Blocks until the next event. */
  Invocation next() throws IOException {
    HttpURLConnection c = (HttpURLConnection) new URL(base + "invocation/next").openConnection();
    c.setReadTimeout(0);
    byte[] body = readAll(c.getInputStream());
    return new Invocation(c.getHeaderField("Lambda-Runtime-Aws-Request-Id"), body, c);
  }

  void respond(String requestId, byte[] body) throws IOException {
    post("invocation/" + requestId + "/response", body, null);
  }

  void error(String requestId, String errorType, byte[] body) throws IOException {
    post("invocation/" + requestId + "/error", body, errorType);
  }

  void initError(String errorType, byte[] body) throws IOException {
    post("init/error", body, errorType);
  }

  private void post(String path, byte[] body, String errorType) throws IOException {
    HttpURLConnection c = (HttpURLConnection) new URL(base + path).openConnection();
    c.setRequestMethod("POST");
    c.setDoOutput(true);
    c.setRequestProperty("Content-Type", "application/json");
    if (errorType != null) c.setRequestProperty("Lambda-Runtime-Function-Error-Type", errorType);
    try (OutputStream out = c.getOutputStream()) {
      out.write(body);
    }
    int status = c.getResponseCode();
    InputStream in = status >= 400 ? c.getErrorStream() : c.getInputStream();
    String answer = in == null ? "" : new String(readAll(in), StandardCharsets.UTF_8);
    if (status >= 400) System.err.println("[selfless-java] runtime api answered " + status + " to " + path + ": " + answer);
  }

  static byte[] readAll(InputStream in) throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    byte[] buf = new byte[16384];
    for (int n; (n = in.read(buf)) > 0; ) b.write(buf, 0, n);
    in.close();
    return b.toByteArray();
  }
}
