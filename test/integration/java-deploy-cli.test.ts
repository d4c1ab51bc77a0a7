/**
 * A java17 service deployed through the real CLI with `package.artifact` pointing at a fat jar
 * (handler classes plus the stand-in aws-lambda-java-core classes), as a Maven/Gradle build makes it;
 * `invoke local` runs the same jar.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Platform } from '../../src/platform/platform.js';
import { javaAvailable, javaBinDir } from '../../src/services/lambda/runtime/java.js';
import { type CliRun, runCli } from './cli-support.js';
import { startTestPlatform, tempDir } from './platform-helpers.js';

const FIXTURE = path.resolve(import.meta.dirname, '../fixtures/functions/java-basic');
let platform: Platform;
let stopPlatform: (() => Promise<void>) | undefined;
let work: ReturnType<typeof tempDir>;
let svc: string;

const cli = (args: string[]): Promise<CliRun> =>
  runCli(args, {
    cwd: svc,
    inheritEnv: false,
    env: { SELFLESS_ENDPOINT: platform.url, SELFLESS_NO_STDIN: '1' },
    timeoutMs: 60_000,
  });

function javaSources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.java'))
    .map((e) => path.join(e.parentPath, e.name));
}

/** Builds target/app.jar: every class in one jar, as the shade/fat-jar plugins do. */
function buildFatJar(serviceDir: string): void {
  const bin = javaBinDir()!;
  const classes = path.join(serviceDir, 'build-classes');
  execFileSync(path.join(bin, 'javac'), [
    '-d',
    classes,
    ...javaSources(path.join(FIXTURE, 'core')),
    ...javaSources(path.join(FIXTURE, 'src')),
  ]);
  mkdirSync(path.join(serviceDir, 'target'));
  execFileSync(path.join(bin, 'jar'), ['cf', path.join(serviceDir, 'target', 'app.jar'), '-C', classes, '.']);
}

beforeAll(async () => {
  if (!javaAvailable()) return;
  work = tempDir();
  svc = path.join(work.dir, 'javasvc');
  mkdirSync(svc);
  buildFatJar(svc);
  writeFileSync(
    path.join(svc, 'serverless.yml'),
    [
      'service: javasvc',
      'provider:',
      '  name: aws',
      '  runtime: java17',
      '  region: us-east-1',
      'package:',
      '  artifact: target/app.jar',
      'functions:',
      '  greet:',
      '    handler: com.example.Greeter::handleRequest',
      '    memorySize: 256',
      '  fail:',
      '    handler: com.example.Functions::fail',
      '',
    ].join('\n'),
  );
  const started = await startTestPlatform();
  platform = started.platform;
  stopPlatform = started.stop;
}, 60_000);

afterAll(async () => {
  await stopPlatform?.();
  work?.cleanup();
});

describe.skipIf(!javaAvailable())('a java17 service with package.artifact', { timeout: 120_000 }, () => {
  it('deploys the jar and invokes its handlers warm, with Java errors', async () => {
    const deployed = await cli(['deploy']);
    expect(deployed.code).toBe(0);
    const first = await cli(['invoke', '-f', 'greet', '-d', '{"name":"Ada","count":2}']);
    expect(first.code).toBe(0);
    expect(JSON.parse(first.stdout)).toMatchObject({ message: 'Hello Ada (2, none)', invocations: 1 });
    const second = await cli(['invoke', '-f', 'greet', '-d', '{"name":"Bo"}', '--log']);
    expect(second.stdout).toContain('"invocations": 2');
    expect(second.stdout).toContain('greeting Bo x0');
    const failed = await cli(['invoke', '-f', 'fail', '-d', '"x"']);
    expect(failed.code).toBe(1);
    expect(JSON.parse(failed.stdout)).toMatchObject({
      errorType: 'java.lang.IllegalStateException',
      errorMessage: 'cannot handle x',
    });
  });

  it('invokes locally from the unpacked artifact', async () => {
    const r = await cli(['invoke', 'local', '-f', 'greet', '-d', '{"name":"Local","count":1}']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('greeting Local x1');
    expect(r.stdout).toContain('"message": "Hello Local (1, none)"');
  });
});
