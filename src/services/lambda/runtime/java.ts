/**
 * The Java runtime: our bootstrap (runtimes/java/src, plain Java without dependencies) is compiled
 * with the machine's javac on first use into a cache directory keyed by its sources and the JDK, and
 * runs on the machine's `java` as a Runtime API client, one JVM per execution environment.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  renameSync,
  rmSync,
  statSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { SelflessError } from '../../../platform/errors.js';
import { runtimeDir } from './runtimes.js';

const run = promisify(execFile);

/** The JDK's bin directory: $JAVA_HOME/bin when it has java, else the one /usr/bin/java links to; null without java. */
export function javaBinDir(): string | null {
  const home = process.env.JAVA_HOME;
  if (home && existsSync(join(home, 'bin', 'java'))) return join(home, 'bin');
  for (const candidate of ['/usr/bin/java', '/usr/local/bin/java']) {
    if (existsSync(candidate)) return dirname(realpathSync(candidate));
  }
  return null;
}

/** The JDK home (parent of its bin directory), exported to environments as JAVA_HOME. */
export function javaHome(): string | null {
  const bin = javaBinDir();
  return bin ? dirname(bin) : null;
}

let availableCache: boolean | undefined;

/** True when this machine can run java* functions (a `java` and a `javac` to build the bootstrap). */
export function javaAvailable(): boolean {
  if (availableCache !== undefined) return availableCache;
  const bin = javaBinDir();
  availableCache = !!bin && existsSync(join(bin, 'java')) && existsSync(join(bin, 'javac'));
  return availableCache;
}

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...sourceFiles(p));
    else if (e.name.endsWith('.java')) out.push(p);
  }
  return out.sort();
}

let compiled: Promise<string> | undefined;

/**
 * The classpath directory of the compiled bootstrap, compiling it on first use. Compilation goes to a
 * fresh directory renamed into place, so concurrent platforms never see half a build.
 */
export function javaBootstrapClasses(): Promise<string> {
  compiled ??= compileBootstrap().catch((e: unknown) => {
    compiled = undefined;
    throw e;
  });
  return compiled;
}

async function compileBootstrap(): Promise<string> {
  const bin = javaBinDir();
  if (!bin || !existsSync(join(bin, 'javac'))) throw javaMissing();
  const sources = sourceFiles(join(runtimeDir('java'), 'src'));
  const hash = createHash('sha256').update(bin);
  for (const f of sources) hash.update(f).update(readFileSync(f));
  // Per user, and only trusted when this user owns it: /tmp is shared with other users.
  const uid = process.getuid?.() ?? 0;
  const target = join(tmpdir(), `selfless-java-bootstrap-${uid}-${hash.digest('hex').slice(0, 16)}`);
  if (existsSync(join(target, 'selfless', 'lambda', 'Bootstrap.class')) && ownedByMe(target, uid))
    return target;
  if (existsSync(target)) rmSync(target, { recursive: true, force: true });
  const work = mkdtempSync(`${target}.tmp-`);
  try {
    await run(join(bin, 'javac'), ['-nowarn', '-encoding', 'UTF-8', '-d', work, ...sources], { env: {} });
  } catch (e) {
    rmSync(work, { recursive: true, force: true });
    const err = e as { stderr?: string; message: string };
    throw new SelflessError('RUNTIME_UNAVAILABLE', 'Could not compile the Java runtime bootstrap', {
      where: 'runtime',
      details: { output: (err.stderr ?? err.message).slice(0, 2000) },
    });
  }
  try {
    renameSync(work, target);
  } catch {
    // Another process installed the same build first.
    rmSync(work, { recursive: true, force: true });
  }
  return target;
}

function ownedByMe(dir: string, uid: number): boolean {
  const st = statSync(dir);
  return st.uid === uid && (st.mode & 0o022) === 0;
}

/** The typed error for java* functions on a machine without a JDK. */
export function javaMissing(): SelflessError {
  return new SelflessError(
    'RUNTIME_UNAVAILABLE',
    'Java runtimes need a JDK (java and javac) on this machine',
    {
      where: 'runtime',
      hint: 'Install one (apt-get install default-jdk-headless) or set JAVA_HOME, then deploy again.',
    },
  );
}

/**
 * JVM options as Lambda's Java runtime sets them: heap capped at 85% of the function's memory,
 * metaspace 10%, code cache 5%, serial GC, C1 only (fast start), IPv4. JAVA_TOOL_OPTIONS from the
 * function's environment is read by the JVM itself and applies on top.
 */
export function jvmOptions(memorySizeMb: number): string[] {
  const kb = memorySizeMb * 1024;
  return [
    `-XX:MaxHeapSize=${Math.floor(kb * 0.85)}k`,
    `-XX:MaxMetaspaceSize=${Math.floor(kb * 0.1)}k`,
    `-XX:ReservedCodeCacheSize=${Math.max(2496, Math.floor(kb * 0.05))}k`,
    '-XX:+UseSerialGC',
    '-Xshare:auto',
    '-XX:+TieredCompilation',
    '-XX:TieredStopAtLevel=1',
    '-Djava.net.preferIPv4Stack=true',
  ];
}
