package selfless.lambda;

import java.lang.reflect.Array;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * JSON trees ↔ handler types, leniently as Lambda's Java serializer: property names match
 * case-insensitively, unknown properties are ignored, numbers convert between numeric types.
 */
final class Mapper {
  private Mapper() {}

  /** Converts a parsed JSON value to the declared parameter type. */
  static Object fromTree(Object v, Type type) throws Exception {
    Class<?> raw = rawClass(type);
    if (raw == Object.class) return v;
    if (v == null) return raw.isPrimitive() ? fromTree(0L, raw) : null;
    if (raw == String.class) return v instanceof String ? v : Json.write(v);
    if (raw == int.class || raw == Integer.class) return num(v).intValue();
    if (raw == long.class || raw == Long.class) return num(v).longValue();
    if (raw == double.class || raw == Double.class) return num(v).doubleValue();
    if (raw == float.class || raw == Float.class) return num(v).floatValue();
    if (raw == short.class || raw == Short.class) return num(v).shortValue();
    if (raw == byte.class || raw == Byte.class) return num(v).byteValue();
    if (raw == boolean.class || raw == Boolean.class)
      return v instanceof Boolean ? v : Boolean.valueOf(String.valueOf(v));
    if (raw == BigDecimal.class) return new BigDecimal(String.valueOf(v));
    if (raw == BigInteger.class) return new BigInteger(String.valueOf(num(v).longValue()));
    if (raw.isEnum()) {
      for (Object c : raw.getEnumConstants()) if (((Enum<?>) c).name().equalsIgnoreCase(String.valueOf(v))) return c;
      throw new IllegalArgumentException("No enum constant " + raw.getName() + "." + v);
    }
    if (Map.class.isAssignableFrom(raw)) {
      if (!(v instanceof Map)) throw mismatch(v, raw);
      Type valueType = typeArg(type, 1);
      Map<String, Object> out = new LinkedHashMap<>();
      for (Map.Entry<?, ?> e : ((Map<?, ?>) v).entrySet()) out.put((String) e.getKey(), fromTree(e.getValue(), valueType));
      return out;
    }
    if (Collection.class.isAssignableFrom(raw)) {
      if (!(v instanceof List)) throw mismatch(v, raw);
      Type itemType = typeArg(type, 0);
      Collection<Object> out = java.util.Set.class.isAssignableFrom(raw) ? new LinkedHashSet<>() : new ArrayList<>();
      for (Object o : (List<?>) v) out.add(fromTree(o, itemType));
      return out;
    }
    if (raw.isArray()) {
      if (!(v instanceof List)) throw mismatch(v, raw);
      List<?> l = (List<?>) v;
      Object arr = Array.newInstance(raw.getComponentType(), l.size());
      for (int k = 0; k < l.size(); k++) Array.set(arr, k, fromTree(l.get(k), raw.getComponentType()));
      return arr;
    }
    if (!(v instanceof Map)) throw mismatch(v, raw);
    return pojo((Map<?, ?>) v, raw);
  }

  private static IllegalArgumentException mismatch(Object v, Class<?> raw) {
    String kind = v instanceof Map ? "an object" : v instanceof List ? "an array" : "a " + v.getClass().getSimpleName();
    return new IllegalArgumentException("Cannot deserialize " + kind + " into " + raw.getName());
  }

  private static Number num(Object v) {
    if (v instanceof Number) return (Number) v;
    if (v instanceof String) return new BigDecimal(((String) v).trim());
    if (v instanceof Boolean) return ((Boolean) v) ? 1 : 0;
    throw mismatch(v, Number.class);
  }

  private static Object pojo(Map<?, ?> m, Class<?> cls) throws Exception {
    java.lang.reflect.Constructor<?> ctor = cls.getDeclaredConstructor();
    ctor.setAccessible(true);
    Object o = ctor.newInstance();
    for (Map.Entry<?, ?> e : m.entrySet()) {
      String key = normalise((String) e.getKey());
      Method setter = null;
      for (Method mt : cls.getMethods())
        if (mt.getParameterCount() == 1 && mt.getName().startsWith("set") && normalise(mt.getName().substring(3)).equals(key)) {
          setter = mt;
          break;
        }
      if (setter != null) {
        setter.invoke(o, fromTree(e.getValue(), setter.getGenericParameterTypes()[0]));
        continue;
      }
      Field f = findField(cls, key);
      if (f != null) {
        f.setAccessible(true);
        f.set(o, fromTree(e.getValue(), f.getGenericType()));
      }
    }
    return o;
  }

  private static Field findField(Class<?> cls, String key) {
    for (Class<?> c = cls; c != null && c != Object.class; c = c.getSuperclass())
      for (Field f : c.getDeclaredFields())
        if (!Modifier.isStatic(f.getModifiers()) && !Modifier.isTransient(f.getModifiers()) && normalise(f.getName()).equals(key))
          return f;
    return null;
  }

  /** Lenient property identity: case and underscores/dashes do not matter. */
  private static String normalise(String name) {
    return name.replace("_", "").replace("-", "").toLowerCase(Locale.ROOT);
  }

  private static Class<?> rawClass(Type t) {
    if (t instanceof Class) return (Class<?>) t;
    if (t instanceof ParameterizedType) return (Class<?>) ((ParameterizedType) t).getRawType();
    return Object.class;
  }

  private static Type typeArg(Type t, int k) {
    if (t instanceof ParameterizedType) {
      Type[] args = ((ParameterizedType) t).getActualTypeArguments();
      if (k < args.length) return args[k];
    }
    return Object.class;
  }

  /** Converts a handler's result to a JSON tree (POJOs through their getters and public fields). */
  static Object toTree(Object v) throws Exception {
    if (v == null || v instanceof String || v instanceof Boolean || v instanceof Number) return v;
    if (v instanceof Character || v instanceof Enum) return v.toString();
    if (v instanceof Map) {
      Map<String, Object> out = new LinkedHashMap<>();
      for (Map.Entry<?, ?> e : ((Map<?, ?>) v).entrySet()) out.put(String.valueOf(e.getKey()), toTree(e.getValue()));
      return out;
    }
    if (v instanceof Collection) {
      List<Object> out = new ArrayList<>();
      for (Object o : (Collection<?>) v) out.add(toTree(o));
      return out;
    }
    if (v.getClass().isArray()) {
      List<Object> out = new ArrayList<>();
      for (int k = 0; k < Array.getLength(v); k++) out.add(toTree(Array.get(v, k)));
      return out;
    }
    // Properties as Lambda's serializer (Jackson, NON_NULL) writes them: getters and public fields,
    // null ones left out, in field declaration order, then the others by name.
    Map<String, Object> props = new java.util.TreeMap<>();
    for (Method m : v.getClass().getMethods()) {
      if (m.getParameterCount() != 0 || m.getDeclaringClass() == Object.class || Modifier.isStatic(m.getModifiers())) continue;
      String n = m.getName();
      String prop;
      if (n.startsWith("get") && n.length() > 3) prop = n.substring(3);
      else if (n.startsWith("is") && n.length() > 2 && (m.getReturnType() == boolean.class || m.getReturnType() == Boolean.class)) prop = n.substring(2);
      else continue;
      m.setAccessible(true);
      Object value = m.invoke(v);
      if (value != null) props.put(propertyName(prop), toTree(value));
    }
    for (Field f : v.getClass().getFields()) {
      if (Modifier.isStatic(f.getModifiers()) || props.containsKey(f.getName())) continue;
      Object value = f.get(v);
      if (value != null) props.put(f.getName(), toTree(value));
    }
    Map<String, Object> out = new LinkedHashMap<>();
    List<Class<?>> chain = new ArrayList<>();
    for (Class<?> c = v.getClass(); c != null && c != Object.class; c = c.getSuperclass()) chain.add(0, c);
    for (Class<?> c : chain)
      for (Field f : c.getDeclaredFields()) {
        String key = propertyName(f.getName());
        if (props.containsKey(key)) out.put(key, props.remove(key));
      }
    out.putAll(props);
    return out;
  }

  /** Jackson's default naming: the leading run of capitals is lower-cased (getURL → url, getName → name). */
  private static String propertyName(String s) {
    int k = 0;
    while (k < s.length() && Character.isUpperCase(s.charAt(k))) k++;
    return s.substring(0, k).toLowerCase(Locale.ROOT) + s.substring(k);
  }
}
