/**
 * Bad schedules, patterns and S3 events in serverless.yml are rejected by `selfless deploy` (the real
 * CLI against a platform on a free port) with the function, the event and the file:line to fix.
 */
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Platform, startPlatform } from '../../src/platform/platform.js';
import { tempDir } from './platform-helpers.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
let platform: Platform;
let data: ReturnType<typeof tempDir>;
let work: ReturnType<typeof tempDir>;

async function deployYaml(yaml: string): Promise<{ code: number; stderr: string }> {
  writeFileSync(path.join(work.dir, 'serverless.yml'), yaml);
  writeFileSync(path.join(work.dir, 'handler.js'), 'exports.handler = async () => {};\n');
  try {
    await promisify(execFile)(process.execPath, [path.join(ROOT, 'bin/selfless.js'), 'deploy'], {
      cwd: work.dir,
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        SELFLESS_ENDPOINT: platform.url,
        NO_COLOR: '1',
        SELFLESS_NO_STDIN: '1',
      },
    });
    return { code: 0, stderr: '' };
  } catch (e) {
    const err = e as { code: number; stderr: string };
    return { code: err.code, stderr: err.stderr };
  }
}

const service = (events: string) => `service: badevents
frameworkVersion: '3'
provider:
  name: aws
  runtime: nodejs20.x
functions:
  tick:
    handler: handler.handler
    events:
${events}`;

beforeAll(async () => {
  data = tempDir('selfless-sched-cli-data-');
  work = tempDir('selfless-sched-cli-svc-');
  platform = await startPlatform({
    port: 0,
    dataDir: data.dir,
    log: { info() {}, warn() {}, error() {}, debug() {} },
  });
}, 60_000);

afterAll(async () => {
  await platform?.stop();
  data?.cleanup();
  work?.cleanup();
});

describe('selfless deploy rejects bad event settings with file:line', () => {
  it('an AWS cron with both day fields set', async () => {
    const r = await deployYaml(service('      - schedule: cron(0 12 * * MON *)\n'));
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toContain(
      'Function "tick", functions.tick.events[0].schedule.rate: invalid schedule expression "cron(0 12 * * MON *)"',
    );
    expect(r.stderr, r.stderr).toContain('serverless.yml:10:19');
  });

  it('an event pattern whose leaf is not a list', async () => {
    const r = await deployYaml(
      service('      - eventBridge:\n          pattern:\n            source: my.app\n'),
    );
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toContain('Event pattern is not valid. Reason: "source" must be an object or an array');
    expect(r.stderr).toContain('serverless.yml:11:11');
  });

  it('an s3 event type S3 does not have', async () => {
    const r = await deployYaml(
      service('      - s3:\n          bucket: bad-events-bucket\n          event: s3:ObjectMade:*\n'),
    );
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toContain('The event is not supported for notifications (s3:ObjectMade:*)');
    expect(r.stderr).toMatch(/serverless\.yml:\d+:\d+/);
  });
});
