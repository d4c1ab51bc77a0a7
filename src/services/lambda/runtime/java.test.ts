import { describe, expect, it } from 'vitest';
import { jvmOptions } from './java.js';
import { runtimeFamily } from './runtimes.js';

describe('java runtimes', () => {
  it('belong to the java family; other JVM-ish identifiers stay unavailable', () => {
    for (const r of ['java8.al2', 'java11', 'java17', 'java21']) expect(runtimeFamily(r)).toBe('java');
    expect(() => runtimeFamily('java8')).toThrow(expect.objectContaining({ code: 'RUNTIME_UNAVAILABLE' }));
    expect(() => runtimeFamily('java25x')).toThrow(expect.objectContaining({ code: 'RUNTIME_UNAVAILABLE' }));
  });

  it("size the JVM from the function's memory as Lambda does", () => {
    const opts = jvmOptions(1024);
    expect(opts).toContain('-XX:MaxHeapSize=891289k');
    expect(opts).toContain('-XX:MaxMetaspaceSize=104857k');
    expect(opts).toContain('-XX:ReservedCodeCacheSize=52428k');
    expect(opts).toEqual(expect.arrayContaining(['-XX:+TieredCompilation', '-XX:TieredStopAtLevel=1']));
  });
});
