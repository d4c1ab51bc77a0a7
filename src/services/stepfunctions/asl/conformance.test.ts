/**
 * Runs every case recorded against real AWS (test/fixtures/sfn-conformance/cases, copied from ../shared/conformance/sfn) through the
 * interpreter and compares status, output, error and cause with what AWS produced.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../platform/clock.js';
import type { FacadeInvokeRequest, LambdaFacade } from '../../lambda/facade.js';
import { invokeIntegration } from '../integrations.js';
import { Execution } from './interpreter.js';
import type { ExecutionOutcome } from './ports.js';
import type { Json, StateMachineDefinition } from './types.js';
import { validateDefinition } from './validate.js';

const CASES_DIR = new URL('../../../../test/fixtures/sfn-conformance/cases', import.meta.url).pathname;

interface Case {
  name: string;
  definition: StateMachineDefinition;
  input: Json;
  expected: { status: string; output?: Json; error?: string; cause?: string };
  masks: Array<{ path: string; tokens: string[] } | string>;
  stateMachineType?: string;
  lambdaFunctions?: Record<string, { behaviour: string; returns?: Json }>;
}

const ISO =
  /(?:[1-9]\d{3}-(?:(?:0[1-9]|1[0-2])-(?:0[1-9]|1\d|2[0-8])|(?:0[13-9]|1[0-2])-(?:29|30)|(?:0[13578]|1[02])-31)|(?:[1-9]\d(?:0[48]|[2468][048]|[13579][26])|(?:[2468][048]|[13579][26])00)-02-29)T(?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d(?:\.\d{1,9})?(?:Z|[+-][01]\d:?([0-5]\d)?)/g;

/** A clock whose sleeps pass instantly, firing due timers in order (recorded waits take seconds). */
class SkippingClock extends ManualClock {
  override sleep(ms: number): Promise<void> {
    const p = super.sleep(ms);
    setImmediate(() => void this.advance(Math.max(0, ms)));
    return p;
  }
}

/** A Lambda facade double that behaves as the recorded functions did (identity or constant). */
function recordedFunctions(fns: Case['lambdaFunctions'] = {}): LambdaFacade {
  const byName = new Map<string, { behaviour: string; returns?: Json }>();
  for (const [arn, fn] of Object.entries(fns)) {
    byName.set(arn, fn);
    byName.set(arn.split(':').pop() as string, fn);
  }
  return {
    async invoke(req: FacadeInvokeRequest) {
      const fn = byName.get(req.functionName) ?? byName.get(req.functionName.split(':').pop() as string);
      if (!fn)
        throw Object.assign(new Error(`Function not found: ${req.functionName}`), {
          name: 'SelflessError',
          code: 'RESOURCE_NOT_FOUND',
        });
      const out = fn.behaviour === 'constant' ? JSON.stringify(fn.returns ?? null) : String(req.payload);
      return { statusCode: 200, payload: Buffer.from(out), executedVersion: '$LATEST', requestId: 'req-1' };
    },
    async getFunction() {
      return undefined;
    },
    functionArn(name: string) {
      return `arn:aws:lambda:us-east-1:111111111111:function:${name}`;
    },
  };
}

function normalize(v: unknown): unknown {
  if (typeof v === 'string') return v.replace(ISO, 'date');
  if (Array.isArray(v)) return v.map(normalize);
  if (v && typeof v === 'object')
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, normalize(x)]));
  return v;
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Replaces masked expected strings by what the actual value has, when it matches the mask pattern. */
function applyMasks(
  expected: Record<string, unknown>,
  actual: Record<string, unknown>,
  masks: Case['masks'],
): void {
  for (const m of masks) {
    if (typeof m === 'string') continue;
    const segs = m.path
      .replace(/^\$\.?/, '')
      .split('.')
      .filter(Boolean);
    type Doc = Record<string, unknown> | undefined;
    let e = expected as Doc;
    let a = actual as Doc;
    for (let i = 0; i < segs.length - 1; i++) {
      e = e?.[segs[i]] as Doc;
      a = a?.[segs[i]] as Doc;
    }
    const last = segs[segs.length - 1];
    if (!e || typeof e[last] !== 'string' || !a || a[last] === undefined) continue;
    // A value masked as a whole (e.g. a random number) matches any actual value.
    if (m.tokens.includes(e[last])) {
      e[last] = a[last];
      continue;
    }
    if (typeof a[last] !== 'string') continue;
    let pattern = escapeRe(e[last]);
    for (const t of m.tokens) pattern = pattern.split(escapeRe(t)).join('.+');
    if (new RegExp(`^${pattern}$`, 's').test(a[last])) e[last] = a[last];
  }
}

async function runCase(c: Case): Promise<ExecutionOutcome> {
  const clock = new SkippingClock(Date.UTC(2026, 0, 1));
  const smName = 'ConformanceMachine';
  const execName = 'conformance-execution';
  const lambda = recordedFunctions(c.lambdaFunctions);
  const exec = new Execution(
    c.definition,
    {
      executionArn: `arn:aws:states:us-east-1:111111111111:execution:${smName}:${execName}`,
      name: execName,
      stateMachineArn: `arn:aws:states:us-east-1:111111111111:stateMachine:${smName}`,
      stateMachineName: smName,
      roleArn: 'arn:aws:iam::111111111111:role/sfn_role',
      startTime: clock.now(),
      input: c.input,
    },
    {
      clock,
      region: 'us-east-1',
      tasks: {
        invoke: (call) => invokeIntegration({ lambda }, call),
        awaitCallback: () => new Promise(() => {}),
        newTaskToken: () => 'token',
      },
    },
  );
  return exec.run();
}

const cases: Case[] = existsSync(CASES_DIR)
  ? readdirSync(CASES_DIR)
      .filter((f) => f.endsWith('.json'))
      .sort()
      .map((f) => JSON.parse(readFileSync(join(CASES_DIR, f), 'utf8')) as Case)
  : [];

describe.skipIf(cases.length === 0)('conformance with recorded AWS executions', () => {
  it.each(cases.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const problems = validateDefinition(c.definition);
    expect(problems, 'the definition AWS accepted validates').toEqual([]);
    const outcome = await runCase(c);
    const actual: Record<string, unknown> = normalize({
      status: outcome.status,
      ...(outcome.status === 'SUCCEEDED' ? { output: outcome.output } : {}),
      ...(outcome.error !== undefined ? { error: outcome.error } : {}),
      ...(outcome.cause !== undefined ? { cause: outcome.cause } : {}),
    }) as Record<string, unknown>;
    const expected = structuredClone(c.expected) as Record<string, unknown>;
    // Recorded cause strings quote state inputs as masked JSON; compare those causes by prefix.
    if (typeof expected.cause === 'string' && expected.cause.includes('<json-input:')) {
      const prefix = expected.cause.split('<json-input:')[0];
      expect(String(actual.cause).startsWith(prefix), `cause ${String(actual.cause)}`).toBe(true);
      expected.cause = actual.cause;
    }
    applyMasks(expected, actual, c.masks);
    expect(actual).toEqual(expected);
  });
});
