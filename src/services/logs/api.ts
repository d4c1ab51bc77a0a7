/**
 * The CloudWatch Logs API subset the CLI and SDKs need (awsJson 1.1, `Logs_20140328.*`):
 * DescribeLogGroups, DescribeLogStreams, GetLogEvents, FilterLogEvents.
 */
import {
  AwsApiError,
  type JsonErrorStyle,
  operationFromTarget,
  parseJsonBody,
  sendJsonError,
  sendJsonResult,
} from '../../aws/json-protocol.js';
import { arn } from '../../platform/aws-account.js';
import { readBody } from '../../platform/http.js';
import type { WireApi, WireRequest } from '../../platform/service.js';
import type { LogStore, StoredLogEvent } from './store.js';

export const TARGET_PREFIX = 'Logs_20140328.';

/** CloudWatch Logs speaks awsJson 1.1: short error names in `__type`. */
const STYLE: JsonErrorStyle = { version: '1.1' };

const notFound = (what: 'group' | 'stream') =>
  new AwsApiError('ResourceNotFoundException', `The specified log ${what} does not exist.`);
const invalid = (message: string) => new AwsApiError('InvalidParameterException', message);

type Input = Record<string, unknown>;

function str(input: Input, name: string, required: true): string;
function str(input: Input, name: string, required?: false): string | undefined;
function str(input: Input, name: string, required = false): string | undefined {
  const v = input[name];
  if (v === undefined || v === null) {
    if (required)
      throw invalid(
        `1 validation error detected: Value null at '${name}' failed to satisfy constraint: Member must not be null`,
      );
    return undefined;
  }
  if (typeof v !== 'string') throw invalid(`Value for '${name}' must be a string.`);
  return v;
}

function num(input: Input, name: string): number | undefined {
  const v = input[name];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v)) throw invalid(`Value for '${name}' must be a number.`);
  return v;
}

const pageToken = (offset: number) => Buffer.from(String(offset)).toString('base64url');
const pageOffset = (token: string | undefined) =>
  token ? Number(Buffer.from(token, 'base64url').toString()) || 0 : 0;

/** Builds the wire API over a LogStore. */
export function logsWireApi(logs: LogStore): WireApi {
  const ops: Record<string, (input: Input, region: string) => Promise<unknown>> = {
    async DescribeLogGroups(input, region) {
      const limit = num(input, 'limit') ?? 50;
      const start = pageOffset(str(input, 'nextToken'));
      const groups = await logs.describeGroups(str(input, 'logGroupNamePrefix') ?? '');
      const page = groups.slice(start, start + limit);
      return {
        logGroups: page.map((g) => ({
          logGroupName: g.logGroupName,
          creationTime: g.creationTime,
          metricFilterCount: 0,
          arn: arn('logs', region, `log-group:${g.logGroupName}:*`),
          logGroupArn: arn('logs', region, `log-group:${g.logGroupName}`),
          storedBytes: g.storedBytes,
          logGroupClass: 'STANDARD',
        })),
        ...(start + limit < groups.length ? { nextToken: pageToken(start + limit) } : {}),
      };
    },
    async DescribeLogStreams(input, region) {
      const group = str(input, 'logGroupName', true);
      if (!(await logs.group(group))) throw notFound('group');
      const orderBy = str(input, 'orderBy') ?? 'LogStreamName';
      const prefix = str(input, 'logStreamNamePrefix') ?? '';
      if (prefix && orderBy === 'LastEventTime')
        throw invalid('Cannot order by LastEventTime with a logStreamNamePrefix.');
      const limit = num(input, 'limit') ?? 50;
      const start = pageOffset(str(input, 'nextToken'));
      const streams = await logs.describeStreams(group, prefix);
      if (orderBy === 'LastEventTime')
        streams.sort((a, b) => (a.lastEventTimestamp ?? 0) - (b.lastEventTimestamp ?? 0));
      if (input.descending === true) streams.reverse();
      const page = streams.slice(start, start + limit);
      return {
        logStreams: page.map((s) => ({
          logStreamName: s.logStreamName,
          creationTime: s.creationTime,
          firstEventTimestamp: s.firstEventTimestamp,
          lastEventTimestamp: s.lastEventTimestamp,
          lastIngestionTime: s.lastIngestionTime,
          uploadSequenceToken: '1',
          arn: arn('logs', region, `log-group:${group}:log-stream:${s.logStreamName}`),
          storedBytes: s.storedBytes,
        })),
        ...(start + limit < streams.length ? { nextToken: pageToken(start + limit) } : {}),
      };
    },
    async GetLogEvents(input) {
      const group = str(input, 'logGroupName', true);
      const stream = str(input, 'logStreamName', true);
      if (!(await logs.group(group))) throw notFound('group');
      if ((await logs.describeStreams(group, stream)).every((s) => s.logStreamName !== stream))
        throw notFound('stream');
      const events = await logs.streamEvents(group, stream, num(input, 'startTime'), num(input, 'endTime'));
      const limit = num(input, 'limit') ?? 10_000;
      const token = str(input, 'nextToken');
      // Tokens are `f/<index>` or `b/<index>` into the (stable) event list of the query.
      let from: number;
      if (token) from = Number(token.slice(2)) || 0;
      else from = input.startFromHead === true ? 0 : Math.max(0, events.length - limit);
      const page = events.slice(from, from + limit);
      return {
        events: page.map((e) => ({
          timestamp: e.timestamp,
          message: e.message,
          ingestionTime: e.ingestionTime,
        })),
        nextForwardToken: `f/${from + page.length}`,
        nextBackwardToken: `b/${Math.max(0, from - limit)}`,
      };
    },
    async FilterLogEvents(input) {
      const group = str(input, 'logGroupName', true);
      if (!(await logs.group(group))) throw notFound('group');
      const names = input.logStreamNames;
      if (names !== undefined && !(Array.isArray(names) && names.every((n) => typeof n === 'string')))
        throw invalid("Value for 'logStreamNames' must be a list of strings.");
      const prefix = str(input, 'logStreamNamePrefix');
      let streamNames = names as string[] | undefined;
      if (prefix) streamNames = (await logs.describeStreams(group, prefix)).map((s) => s.logStreamName);
      const token = str(input, 'nextToken');
      const result = await logs.filter({
        logGroupName: group,
        logStreamNames: streamNames,
        startTime: num(input, 'startTime'),
        endTime: num(input, 'endTime'),
        filterPattern: str(input, 'filterPattern'),
        limit: num(input, 'limit') ?? 10_000,
        after: token,
      });
      const last = result.events.at(-1);
      return {
        events: result.events.map((e: StoredLogEvent) => ({
          logStreamName: e.logStreamName,
          timestamp: e.timestamp,
          message: e.message,
          ingestionTime: e.ingestionTime,
          eventId: e.eventId,
        })),
        searchedLogStreams: result.searched.map((n) => ({ logStreamName: n, searchedCompletely: true })),
        ...(result.more && last ? { nextToken: last.eventId } : {}),
      };
    },
  };

  return {
    signingNames: ['logs'],
    targetPrefixes: [TARGET_PREFIX],
    async handle(w: WireRequest) {
      const op = operationFromTarget(w.target, TARGET_PREFIX);
      const fn = op ? ops[op] : undefined;
      if (!fn) {
        sendJsonError(
          w.res,
          new AwsApiError('UnknownOperationException', `Unknown operation ${w.target ?? '(none)'}`),
          STYLE,
        );
        return;
      }
      try {
        const input = parseJsonBody(await readBody(w.req, 1024 * 1024));
        sendJsonResult(w.res, await fn(input, w.region), STYLE.version);
      } catch (e) {
        const err =
          e instanceof AwsApiError
            ? e
            : new AwsApiError('ServiceUnavailableException', (e as Error).message, 500, 'Receiver');
        sendJsonError(w.res, err, STYLE);
      }
    },
  };
}
