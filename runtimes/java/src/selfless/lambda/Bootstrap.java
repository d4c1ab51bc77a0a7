package selfless.lambda;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.lang.reflect.InvocationTargetException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Selfless's Java runtime: loads the handler, then serves events from the Runtime API forever. */
public final class Bootstrap {
  private Bootstrap() {}

  public static void main(String[] args) throws Exception {
    Map<String, String> env = System.getenv();
    RuntimeClient client = new RuntimeClient(env.get("AWS_LAMBDA_RUNTIME_API"));
    Handler handler;
    try {
      ClassLoader loader = Handler.taskLoader(env.getOrDefault("LAMBDA_TASK_ROOT", "."), args);
      Thread.currentThread().setContextClassLoader(loader);
      handler = Handler.load(env.getOrDefault("_HANDLER", ""), loader);
    } catch (Handler.LoadError e) {
      Map<String, Object> body = errorBody(e.getMessage(), e.errorType, e.getCause());
      System.err.println(e.getMessage() + ": " + e.errorType);
      client.initError(e.errorType, Json.write(body).getBytes(StandardCharsets.UTF_8));
      System.exit(1);
      return;
    }
    for (;;) {
      RuntimeClient.Invocation inv = client.next();
      String traceId = inv.header("Lambda-Runtime-Trace-Id");
      if (traceId != null) System.setProperty("com.amazonaws.xray.traceHeader", traceId);
      try {
        byte[] out = invoke(handler, inv, env);
        client.respond(inv.requestId, out);
      } catch (Throwable t) {
        Throwable cause = t instanceof InvocationTargetException && t.getCause() != null ? t.getCause() : t;
        Map<String, Object> body = errorBody(cause.getMessage(), cause.getClass().getName(), cause);
        // Lambda's Java runtime prints the error to the function's log as well.
        System.err.println(Json.write(body));
        client.error(inv.requestId, cause.getClass().getName(), Json.write(body).getBytes(StandardCharsets.UTF_8));
        if (cause instanceof VirtualMachineError) System.exit(1);
      }
    }
  }

  private static byte[] invoke(Handler h, RuntimeClient.Invocation inv, Map<String, String> env) throws Throwable {
    Object context = h.takesContext ? ContextProxies.context(h.loader, inv, env) : null;
    if (h.stream) {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      Object[] a = h.takesContext ? new Object[] {new ByteArrayInputStream(inv.payload), out, context} : new Object[] {new ByteArrayInputStream(inv.payload), out};
      h.method.invoke(h.instance, a);
      return out.toByteArray();
    }
    List<Object> a = new ArrayList<>();
    if (h.takesInput) {
      Object input;
      try {
        String text = new String(inv.payload, StandardCharsets.UTF_8);
        Object tree = text.trim().isEmpty() ? null : Json.parse(text);
        input = Mapper.fromTree(tree, h.inputType);
      } catch (Exception e) {
        throw new IllegalArgumentException("An error occurred during JSON parsing: " + e.getMessage(), e);
      }
      a.add(input);
    }
    if (h.takesContext) a.add(context);
    Object result = h.method.invoke(h.instance, a.toArray());
    if (h.method.getReturnType() == void.class) return "null".getBytes(StandardCharsets.UTF_8);
    return Json.write(Mapper.toTree(result)).getBytes(StandardCharsets.UTF_8);
  }

  /** The error document Lambda's Java runtime posts: message, exception class, stack frames, causes. */
  static Map<String, Object> errorBody(String message, String type, Throwable t) {
    Map<String, Object> body = new LinkedHashMap<>();
    if (message != null) body.put("errorMessage", message);
    body.put("errorType", type);
    List<Object> frames = new ArrayList<>();
    if (t != null) for (StackTraceElement f : t.getStackTrace()) {
      // The runtime's own frames (reflection, this bootstrap) are not the user's.
      String c = f.getClassName();
      if (c.startsWith("selfless.lambda.") || c.startsWith("java.lang.reflect.") || c.startsWith("jdk.internal.reflect.")) continue;
      frames.add(f.toString());
    }
    body.put("stackTrace", frames);
    if (t != null && t.getCause() != null && t.getCause() != t)
      body.put("cause", errorBody(t.getCause().getMessage(), t.getCause().getClass().getName(), t.getCause()));
    return body;
  }
}
