package selfless.lambda;

import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * The user's code is compiled against aws-lambda-java-core, which ships in the user's jar (or not at
 * all): Context, LambdaLogger, ClientContext and CognitoIdentity are implemented as dynamic proxies
 * of the interfaces as the user's class loader sees them.
 */
final class ContextProxies {
  private ContextProxies() {}

  private static final String PKG = "com.amazonaws.services.lambda.runtime.";

  /** The logger: writes the message to stdout (the function's log), as LambdaLogger.log does. */
  static void log(Object message) {
    if (message instanceof byte[]) System.out.println(new String((byte[]) message, StandardCharsets.UTF_8));
    else System.out.println(message);
    System.out.flush();
  }

  /** A Context for one invocation, or null when the user's loader has no Context interface. */
  static Object context(ClassLoader loader, RuntimeClient.Invocation inv, Map<String, String> env) {
    Class<?> ctx = load(loader, "Context");
    if (ctx == null) return null;
    Class<?> loggerType = load(loader, "LambdaLogger");
    Object logger = loggerType == null ? null : proxy(loader, loggerType, (name, args) -> {
      if (name.equals("log") && args != null && args.length > 0) log(args[0]);
      return null;
    });
    long deadline = parseLong(inv.header("Lambda-Runtime-Deadline-Ms"), System.currentTimeMillis() + 3000);
    Object identity = identity(loader, inv.header("Lambda-Runtime-Cognito-Identity"));
    Object clientContext = clientContext(loader, inv.header("Lambda-Runtime-Client-Context"));
    return proxy(loader, ctx, (name, args) -> {
      switch (name) {
        case "getAwsRequestId": return inv.requestId;
        case "getLogGroupName": return env.get("AWS_LAMBDA_LOG_GROUP_NAME");
        case "getLogStreamName": return env.get("AWS_LAMBDA_LOG_STREAM_NAME");
        case "getFunctionName": return env.get("AWS_LAMBDA_FUNCTION_NAME");
        case "getFunctionVersion": return env.get("AWS_LAMBDA_FUNCTION_VERSION");
        case "getInvokedFunctionArn": return inv.header("Lambda-Runtime-Invoked-Function-Arn");
        case "getIdentity": return identity;
        case "getClientContext": return clientContext;
        case "getRemainingTimeInMillis": return (int) Math.max(0, deadline - System.currentTimeMillis());
        case "getMemoryLimitInMB": return (int) parseLong(env.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE"), 128);
        case "getLogger": return logger;
        case "getXrayTraceId": return inv.header("Lambda-Runtime-Trace-Id");
        case "getTenantId": return inv.header("Lambda-Runtime-Aws-Tenant-Id");
        default: return null;
      }
    });
  }

  @SuppressWarnings("unchecked")
  private static Object identity(ClassLoader loader, String header) {
    Class<?> t = load(loader, "CognitoIdentity");
    if (t == null) return null;
    Map<String, Object> m = parseObject(header);
    return proxy(loader, t, (name, args) -> {
      if (name.equals("getIdentityId")) return str(m.get("cognitoIdentityId"));
      if (name.equals("getIdentityPoolId")) return str(m.get("cognitoIdentityPoolId"));
      return null;
    });
  }

  @SuppressWarnings("unchecked")
  private static Object clientContext(ClassLoader loader, String header) {
    if (header == null || header.isEmpty()) return null;
    Class<?> t = load(loader, "ClientContext");
    Class<?> clientT = load(loader, "Client");
    if (t == null) return null;
    Map<String, Object> m = parseObject(header);
    Map<String, Object> client = m.get("client") instanceof Map ? (Map<String, Object>) m.get("client") : Map.of();
    Object clientProxy = clientT == null ? null : proxy(loader, clientT, (name, args) -> {
      switch (name) {
        case "getInstallationId": return str(client.get("installation_id"));
        case "getAppTitle": return str(client.get("app_title"));
        case "getAppVersionName": return str(client.get("app_version_name"));
        case "getAppVersionCode": return str(client.get("app_version_code"));
        case "getAppPackageName": return str(client.get("app_package_name"));
        default: return null;
      }
    });
    return proxy(loader, t, (name, args) -> {
      switch (name) {
        case "getClient": return clientProxy;
        case "getCustom": return stringMap(m.get("custom"));
        case "getEnvironment": return stringMap(m.get("env"));
        default: return null;
      }
    });
  }

  private static Map<String, String> stringMap(Object v) {
    Map<String, String> out = new java.util.LinkedHashMap<>();
    if (v instanceof Map) for (Map.Entry<?, ?> e : ((Map<?, ?>) v).entrySet()) out.put(String.valueOf(e.getKey()), str(e.getValue()));
    return out;
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> parseObject(String text) {
    if (text == null || text.isEmpty()) return Map.of();
    try {
      Object v = Json.parse(text);
      return v instanceof Map ? (Map<String, Object>) v : Map.of();
    } catch (RuntimeException e) {
      return Map.of();
    }
  }

  private static String str(Object v) {
    return v == null ? null : String.valueOf(v);
  }

  private static long parseLong(String s, long fallback) {
    try {
      return Long.parseLong(s);
    } catch (RuntimeException e) {
      return fallback;
    }
  }

  interface Answer {
    Object call(String method, Object[] args);
  }

  static Class<?> load(ClassLoader loader, String simpleName) {
    try {
      return Class.forName(PKG + simpleName, false, loader);
    } catch (ClassNotFoundException | LinkageError e) {
      return null;
    }
  }

  private static Object proxy(ClassLoader loader, Class<?> type, Answer answer) {
    return Proxy.newProxyInstance(loader, new Class<?>[] {type}, (self, m, args) -> {
      switch (m.getName()) {
        case "toString": if (m.getParameterCount() == 0) return type.getSimpleName() + "@selfless"; break;
        case "hashCode": if (m.getParameterCount() == 0) return System.identityHashCode(self); break;
        case "equals": if (m.getParameterCount() == 1) return self == args[0]; break;
        default: break;
      }
      Object v = answer.call(m.getName(), args);
      if (v == null && m.isDefault() && m.getReturnType() != void.class) return java.lang.reflect.InvocationHandler.invokeDefault(self, m, args);
      return v;
    });
  }
}
