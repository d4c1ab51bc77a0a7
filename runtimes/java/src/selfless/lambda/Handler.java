package selfless.lambda;

import java.io.File;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.reflect.Constructor;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.Type;
import java.net.URL;
import java.net.URLClassLoader;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The user's handler, resolved as Lambda's Java runtime does: `pkg.Class::method` or `pkg.Class`
 * (a RequestHandler or RequestStreamHandler), loaded from the task root's classes and lib/*.jar.
 */
final class Handler {
  final ClassLoader loader;
  final Object instance;
  final Method method;
  /** The method takes (InputStream, OutputStream[, Context]). */
  final boolean stream;
  /** The declared event type, when the method takes one. */
  final Type inputType;
  final boolean takesInput;
  final boolean takesContext;

  private Handler(ClassLoader loader, Object instance, Method method) {
    this.loader = loader;
    this.instance = instance;
    this.method = method;
    Class<?>[] p = method.getParameterTypes();
    this.stream = p.length >= 2 && p[0] == InputStream.class && p[1] == OutputStream.class;
    this.takesInput = !stream && p.length >= 1 && !isContext(p[0]);
    this.inputType = takesInput ? method.getGenericParameterTypes()[0] : null;
    this.takesContext = p.length > 0 && isContext(p[p.length - 1]);
  }

  /** A handler problem found while loading: reported to Lambda as an init error of this type. */
  static final class LoadError extends Exception {
    private static final long serialVersionUID = 1L;

    final String errorType;

    LoadError(String errorType, String message, Throwable cause) {
      super(message, cause);
      this.errorType = errorType;
    }
  }

  private static boolean isContext(Class<?> c) {
    return c.getName().equals("com.amazonaws.services.lambda.runtime.Context");
  }

  /**
   * The function's class loader: the task root itself (classes), its lib/*.jar, then each layer's
   * java/lib/*.jar (as /opt/java/lib/*), jars in name order.
   */
  static ClassLoader taskLoader(String taskRoot, String[] layerLibs) throws Exception {
    List<URL> urls = new ArrayList<>();
    File root = new File(taskRoot);
    urls.add(root.toURI().toURL());
    addJars(urls, new File(root, "lib"));
    for (String dir : layerLibs) addJars(urls, new File(dir));
    return new URLClassLoader(urls.toArray(new URL[0]), Handler.class.getClassLoader().getParent());
  }

  private static void addJars(List<URL> urls, File dir) throws Exception {
    File[] jars = dir.listFiles((d, n) -> n.endsWith(".jar"));
    if (jars == null) return;
    Arrays.sort(jars);
    for (File j : jars) urls.add(j.toURI().toURL());
  }

  /** Loads and instantiates the handler named by _HANDLER. */
  static Handler load(String spec, ClassLoader loader) throws LoadError {
    String className = spec;
    String methodName = null;
    int sep = spec.indexOf("::");
    if (sep >= 0) {
      className = spec.substring(0, sep);
      methodName = spec.substring(sep + 2);
    }
    Class<?> cls;
    try {
      cls = Class.forName(className, true, loader);
    } catch (ClassNotFoundException e) {
      throw new LoadError("java.lang.ClassNotFoundException", "Class not found: " + className, e);
    } catch (ExceptionInInitializerError e) {
      Throwable c = e.getCause() == null ? e : e.getCause();
      throw new LoadError(c.getClass().getName(), String.valueOf(c.getMessage()), c);
    } catch (LinkageError e) {
      throw new LoadError(e.getClass().getName(), e.getMessage(), e);
    }
    Method m = methodName == null ? interfaceMethod(cls) : namedMethod(cls, methodName);
    if (m == null) {
      if (methodName != null)
        throw new LoadError("java.lang.NoSuchMethodException", "No public method named " + methodName + " with appropriate method signature found on class " + cls.getName(), null);
      throw new LoadError("java.lang.IllegalArgumentException", "Class " + cls.getName() + " does not implement RequestHandler or RequestStreamHandler; name a method as " + cls.getName() + "::methodName", null);
    }
    Object instance = null;
    if (!Modifier.isStatic(m.getModifiers())) {
      try {
        Constructor<?> ctor = cls.getDeclaredConstructor();
        ctor.setAccessible(true);
        instance = ctor.newInstance();
      } catch (NoSuchMethodException e) {
        throw new LoadError("java.lang.NoSuchMethodException", "Class " + cls.getName() + " has no public zero-argument constructor", e);
      } catch (java.lang.reflect.InvocationTargetException e) {
        Throwable c = e.getCause();
        throw new LoadError(c.getClass().getName(), String.valueOf(c.getMessage()), c);
      } catch (ReflectiveOperationException e) {
        throw new LoadError(e.getClass().getName(), e.getMessage(), e);
      }
    }
    m.setAccessible(true);
    return new Handler(loader, instance, m);
  }

  private static boolean implementsNamed(Class<?> c, String name) {
    for (Class<?> k = c; k != null; k = k.getSuperclass())
      for (Class<?> i : k.getInterfaces()) if (i.getName().equals(name) || implementsNamed(i, name)) return true;
    return false;
  }

  private static Method interfaceMethod(Class<?> cls) {
    String pkg = "com.amazonaws.services.lambda.runtime.";
    if (implementsNamed(cls, pkg + "RequestStreamHandler")) return pick(cls, "handleRequest", true);
    if (implementsNamed(cls, pkg + "RequestHandler")) return pick(cls, "handleRequest", false);
    return null;
  }

  private static Method namedMethod(Class<?> cls, String name) {
    Method stream = pick(cls, name, true);
    return stream != null ? stream : pick(cls, name, false);
  }

  /** The public, non-bridge method of that name; the most specific event type wins over a bridge's Object. */
  private static Method pick(Class<?> cls, String name, boolean stream) {
    Method best = null;
    for (Method m : cls.getMethods()) {
      if (!m.getName().equals(name) || m.isBridge() || m.isSynthetic()) continue;
      Class<?>[] p = m.getParameterTypes();
      boolean isStream = p.length >= 2 && p[0] == InputStream.class && p[1] == OutputStream.class;
      if (stream != isStream || p.length > (stream ? 3 : 2)) continue;
      if (best == null || m.getParameterCount() > best.getParameterCount()) best = m;
    }
    return best;
  }
}
