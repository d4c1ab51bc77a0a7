/**
 * EventBridge's wire API: awsJson 1.1, `X-Amz-Target: AWSEvents.<Operation>`, errors as
 * `{"__type": "<Code>", "message": …}` with status 400, as the SDKs expect.
 */
import { AwsApiError, parseJsonBody, sendJsonError, sendJsonResult } from '../../aws/json-protocol.js';
import { readBody } from '../../aws/query-protocol.js';
import { isSelflessError } from '../../platform/errors.js';
import type { Logger, WireRequest } from '../../platform/service.js';
import type { EventsEngine, RuleRecord, TargetRecord } from './engine.js';
import { matchesPattern, parsePattern } from './pattern.js';

type Body = Record<string, unknown>;

function str(b: Body, name: string): string | undefined {
  const v = b[name];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw new AwsApiError('SerializationException', `${name} must be a string`, 400);
  return v;
}

function required(b: Body, name: string): string {
  const v = str(b, name);
  if (!v)
    throw new AwsApiError(
      'ValidationException',
      `1 validation error detected: Value null at '${name.charAt(0).toLowerCase()}${name.slice(1)}' failed to satisfy constraint: Member must not be null`,
      400,
    );
  return v;
}

function describe(r: RuleRecord): Body {
  return {
    Name: r.name,
    Arn: r.arn,
    ...(r.eventPattern ? { EventPattern: r.eventPattern } : {}),
    ...(r.scheduleExpression ? { ScheduleExpression: r.scheduleExpression } : {}),
    State: r.state,
    ...(r.description !== undefined ? { Description: r.description } : {}),
    ...(r.roleArn ? { RoleArn: r.roleArn } : {}),
    EventBusName: r.eventBusName,
  };
}

/** Serves `AWSEvents.*` operations over an engine. */
export class EventsApi {
  constructor(
    private readonly engine: EventsEngine,
    private readonly log: Logger,
  ) {}

  async handle(w: WireRequest): Promise<void> {
    const { req, res } = w;
    try {
      const op = (w.target ?? '').replace(/^AWSEvents\./, '');
      const body = parseJsonBody(await readBody(req));
      const result = await this.operation(op, body);
      sendJsonResult(res, result, '1.1');
    } catch (e) {
      if (e instanceof AwsApiError) return sendJsonError(res, e, { version: '1.1' });
      if (isSelflessError(e))
        return sendJsonError(res, new AwsApiError(e.code, e.message, 400), { version: '1.1' });
      this.log.error(`events ${w.target} failed: ${(e as Error).stack ?? e}`);
      sendJsonError(res, new AwsApiError('InternalException', 'Internal error.', 500, 'Receiver'), {
        version: '1.1',
      });
    }
  }

  private async operation(op: string, b: Body): Promise<unknown> {
    const e = this.engine;
    const bus = () => e.busName(str(b, 'EventBusName'));
    switch (op) {
      case 'PutEvents':
        return e.putEvents((b.Entries as never) ?? []);
      case 'PutRule': {
        const r = await e.putRule({
          Name: str(b, 'Name'),
          EventBusName: str(b, 'EventBusName'),
          EventPattern: str(b, 'EventPattern'),
          ScheduleExpression: str(b, 'ScheduleExpression'),
          State: str(b, 'State'),
          Description: str(b, 'Description'),
          RoleArn: str(b, 'RoleArn'),
        });
        return { RuleArn: r.arn };
      }
      case 'DescribeRule': {
        const r = await e.getRule(bus(), required(b, 'Name'));
        return { ...describe(r), CreatedBy: '000000000000' };
      }
      case 'DeleteRule':
        await e.deleteRule(bus(), required(b, 'Name'), { force: b.Force === true });
        return {};
      case 'EnableRule':
      case 'DisableRule':
        await e.setRuleState(bus(), required(b, 'Name'), op === 'EnableRule' ? 'ENABLED' : 'DISABLED');
        return {};
      case 'ListRules': {
        const rules = await e.listRules(bus(), str(b, 'NamePrefix') ?? '');
        return this.page(rules.map(describe), b, 'Rules');
      }
      case 'PutTargets': {
        const targets = b.Targets;
        if (!Array.isArray(targets) || targets.length < 1 || targets.length > 10)
          throw new AwsApiError(
            'ValidationException',
            "1 validation error detected: Value at 'targets' failed to satisfy constraint: Member must have length less than or equal to 10 and greater than or equal to 1",
            400,
          );
        const failed = await e.putTargets(bus(), required(b, 'Rule'), targets as TargetRecord[]);
        return { FailedEntryCount: failed.length, FailedEntries: failed };
      }
      case 'RemoveTargets': {
        const ids = b.Ids;
        if (!Array.isArray(ids) || ids.length === 0)
          throw new AwsApiError(
            'ValidationException',
            "1 validation error detected: Value null at 'ids' failed to satisfy constraint: Member must not be null",
            400,
          );
        await e.removeTargets(bus(), required(b, 'Rule'), ids as string[]);
        return { FailedEntryCount: 0, FailedEntries: [] };
      }
      case 'ListTargetsByRule':
        return this.page(await e.listTargets(bus(), required(b, 'Rule')), b, 'Targets');
      case 'CreateEventBus': {
        const created = await e.createBus(required(b, 'Name'), { description: str(b, 'Description') });
        return { EventBusArn: created.arn };
      }
      case 'DeleteEventBus':
        await e.deleteBus(required(b, 'Name'));
        return {};
      case 'DescribeEventBus': {
        const name = e.busName(str(b, 'Name'));
        const found = await e.getBus(name);
        if (!found)
          throw new AwsApiError('ResourceNotFoundException', `Event bus ${name} does not exist.`, 400);
        return {
          Name: found.name,
          Arn: found.arn,
          ...(found.description ? { Description: found.description } : {}),
        };
      }
      case 'ListEventBuses': {
        const buses = await e.listBuses(str(b, 'NamePrefix') ?? '');
        return this.page(
          buses.map((x) => ({
            Name: x.name,
            Arn: x.arn,
            ...(x.description ? { Description: x.description } : {}),
          })),
          b,
          'EventBuses',
        );
      }
      case 'TestEventPattern': {
        const pattern = parsePattern(required(b, 'EventPattern'));
        let event: unknown;
        try {
          event = JSON.parse(required(b, 'Event'));
        } catch {
          throw new AwsApiError('InvalidEventPatternException', 'Event is not valid JSON.', 400);
        }
        return { Result: matchesPattern(pattern, event) };
      }
      default:
        throw new AwsApiError(
          'UnknownOperationException',
          `Operation ${op} is not supported by Selfless.`,
          400,
        );
    }
  }

  /** Paginates a list with Limit / NextToken (the token is the index, opaque to clients). */
  private page<T>(items: T[], b: Body, name: string): Body {
    const limit = typeof b.Limit === 'number' && b.Limit > 0 ? Math.min(b.Limit, 100) : 100;
    const token =
      typeof b.NextToken === 'string' ? Number(Buffer.from(b.NextToken, 'base64url').toString()) : 0;
    const start = Number.isInteger(token) && token >= 0 ? token : 0;
    const slice = items.slice(start, start + limit);
    const next =
      start + limit < items.length ? Buffer.from(String(start + limit)).toString('base64url') : undefined;
    return { [name]: slice, ...(next ? { NextToken: next } : {}) };
  }
}
