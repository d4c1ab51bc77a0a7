/**
 * The control-API client the CLI uses to reach a platform (SELFLESS_ENDPOINT, default
 * http://127.0.0.1:4566): artifacts, deployments, service info, removal, logs and invocations.
 * Failures become SelflessErrors that say what to do, e.g. which command starts a server.
 */
import { readFile } from 'node:fs/promises';
import type { ServiceInfo } from '../platform/control.js';
import type { DeployResult } from '../platform/deployments.js';
import { SelflessError } from '../platform/errors.js';
import type { DeploymentSpec } from '../platform/spec.js';
import type { MetricsResponse } from '../services/lambda/lifecycle.js';

export const DEFAULT_ENDPOINT = 'http://127.0.0.1:4566';

/** The endpoint from SELFLESS_ENDPOINT, or the default. */
export function platformEndpoint(env: NodeJS.ProcessEnv = process.env): string {
  return (env.SELFLESS_ENDPOINT || DEFAULT_ENDPOINT).replace(/\/+$/, '');
}

export interface LogEvent {
  logStreamName: string;
  timestamp: number;
  message: string;
  ingestionTime: number;
  eventId: string;
}

export interface InvokeInput {
  functionName: string;
  qualifier?: string;
  payload: string;
  type?: 'RequestResponse' | 'Event' | 'DryRun';
  logTail?: boolean;
  /** Base64 JSON. */
  clientContext?: string;
}

export interface InvokeOutput {
  statusCode: number;
  payload: string;
  functionError?: string;
  executedVersion?: string;
  /** Decoded X-Amz-Log-Result. */
  logResult?: string;
}

/** A client of one platform. */
export class PlatformClient {
  readonly endpoint: string;

  constructor(endpoint = platformEndpoint()) {
    this.endpoint = endpoint.replace(/\/+$/, '');
  }

  /** The platform's health document; throws PLATFORM_UNREACHABLE when nothing answers. */
  async health(): Promise<{ status: string; version: string; services: string[] }> {
    return this.json('GET', '/_selfless/health');
  }

  /** Uploads a zip unless the platform already has it (by sha256). */
  async uploadArtifact(sha256: string, file: string): Promise<{ uploaded: boolean }> {
    const head = await this.request('HEAD', `/_selfless/artifacts/${sha256}`);
    if (head.status === 200) return { uploaded: false };
    await this.json('PUT', `/_selfless/artifacts/${sha256}`, await readFile(file));
    return { uploaded: true };
  }

  /** Applies a deployment spec (its artifacts must be uploaded first). */
  deploy(spec: DeploymentSpec): Promise<DeployResult> {
    return this.json('POST', '/_selfless/deployments', JSON.stringify(spec));
  }

  /** What runs for a service and stage (404 → SERVICE_NOT_FOUND). */
  info(service: string, stage: string): Promise<ServiceInfo & { spec: DeploymentSpec }> {
    return this.json(
      'GET',
      `/_selfless/services/${encodeURIComponent(service)}/${encodeURIComponent(stage)}`,
    );
  }

  /** Removes a service and stage. */
  remove(service: string, stage: string): Promise<{ removedFunctions: string[] }> {
    return this.json(
      'DELETE',
      `/_selfless/services/${encodeURIComponent(service)}/${encodeURIComponent(stage)}`,
    );
  }

  /** Deployment history, oldest first. */
  deployments(service: string, stage: string): Promise<{ deployments: Array<{ timestamp: number }> }> {
    const q = new URLSearchParams({ service, stage });
    return this.json('GET', `/_selfless/deployments?${q}`);
  }

  /** One deployment of the history with its whole spec (404 → DEPLOYMENT_NOT_FOUND). */
  deployment(
    service: string,
    stage: string,
    timestamp: string,
  ): Promise<{ timestamp: number; spec: DeploymentSpec }> {
    const q = new URLSearchParams({ service, stage, timestamp });
    return this.json('GET', `/_selfless/deployments?${q}`);
  }

  /** Invocation metrics and the estimated bill of a service (or one function) over a period. */
  metrics(q: {
    service: string;
    stage: string;
    function?: string;
    start: number;
    end: number;
  }): Promise<MetricsResponse> {
    const p = new URLSearchParams({
      service: q.service,
      stage: q.stage,
      start: String(q.start),
      end: String(q.end),
    });
    if (q.function) p.set('function', q.function);
    return this.json('GET', `/_selfless/metrics?${p}`);
  }

  /** Log events of a group from `start`, filtered, in time order. */
  logs(q: { group: string; start?: number; end?: number; filter?: string; after?: string }): Promise<{
    events: LogEvent[];
    /** The group's streams searched (none when the group does not exist). */
    streams: string[];
    next?: string;
  }> {
    const p = new URLSearchParams({ group: q.group });
    if (q.start !== undefined) p.set('start', String(q.start));
    if (q.end !== undefined) p.set('end', String(q.end));
    if (q.filter) p.set('filter', q.filter);
    if (q.after) p.set('after', q.after);
    return this.json('GET', `/_selfless/logs?${p}`);
  }

  /** Invokes a function through the Lambda Invoke API. */
  async invoke(i: InvokeInput): Promise<InvokeOutput> {
    const headers: Record<string, string> = { 'X-Amz-Invocation-Type': i.type ?? 'RequestResponse' };
    if (i.logTail) headers['X-Amz-Log-Type'] = 'Tail';
    if (i.clientContext) headers['X-Amz-Client-Context'] = i.clientContext;
    const q = i.qualifier ? `?Qualifier=${encodeURIComponent(i.qualifier)}` : '';
    const res = await this.request(
      'POST',
      `/2015-03-31/functions/${encodeURIComponent(i.functionName)}/invocations${q}`,
      i.payload,
      headers,
    );
    const text = await res.text();
    const errorType = res.headers.get('x-amzn-errortype');
    if (res.status >= 400) {
      let message = text;
      try {
        const body = JSON.parse(text) as { message?: string; Message?: string };
        message = body.message ?? body.Message ?? text;
      } catch {
        // keep the raw text
      }
      throw new SelflessError(errorType ?? `HTTP_${res.status}`, message, {
        hint:
          errorType === 'ResourceNotFoundException'
            ? 'Deploy the service first (selfless deploy).'
            : undefined,
      });
    }
    const log = res.headers.get('x-amz-log-result');
    return {
      statusCode: res.status,
      payload: text,
      functionError: res.headers.get('x-amz-function-error') ?? undefined,
      executedVersion: res.headers.get('x-amz-executed-version') ?? undefined,
      logResult: log ? Buffer.from(log, 'base64').toString('utf8') : undefined,
    };
  }

  /** Calls one action of the Step Functions API (JSON 1.0) on the platform. */
  async stepFunctions(action: string, body: Record<string, unknown>): Promise<Record<string, unknown>> {
    const res = await this.request('POST', '/', JSON.stringify(body), {
      'Content-Type': 'application/x-amz-json-1.0',
      'X-Amz-Target': `AWSStepFunctions.${action}`,
    });
    const text = await res.text();
    let parsed: Record<string, unknown> = {};
    try {
      parsed = text ? (JSON.parse(text) as Record<string, unknown>) : {};
    } catch {
      throw new SelflessError(
        'PLATFORM_BAD_RESPONSE',
        `${this.endpoint} answered ${action} with non-JSON (${res.status}).`,
      );
    }
    if (!res.ok) {
      const type = String(parsed.__type ?? `HTTP_${res.status}`)
        .split('#')
        .pop() as string;
      throw new SelflessError(type, String(parsed.message ?? parsed.Message ?? text), {
        hint: type === 'StateMachineDoesNotExist' ? 'Deploy the service first (selfless deploy).' : undefined,
      });
    }
    return parsed;
  }

  private async json<T>(method: string, path: string, body?: string | Buffer): Promise<T> {
    const res = await this.request(method, path, body);
    const text = await res.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : {};
    } catch {
      throw new SelflessError(
        'PLATFORM_BAD_RESPONSE',
        `${this.endpoint} answered ${method} ${path} with non-JSON (${res.status}).`,
        {
          kind: 'system',
          hint: 'Check that SELFLESS_ENDPOINT points at a Selfless server.',
        },
      );
    }
    if (!res.ok) {
      const err = (parsed as { error?: { code?: string; message?: string; where?: string; hint?: string } })
        .error;
      throw new SelflessError(
        err?.code ?? `HTTP_${res.status}`,
        err?.message ?? `${method} ${path} failed (${res.status})`,
        {
          where: err?.where,
          hint: err?.hint,
          kind: res.status >= 500 ? 'system' : 'user',
        },
      );
    }
    return parsed as T;
  }

  private async request(
    method: string,
    path: string,
    body?: string | Buffer,
    headers: Record<string, string> = {},
  ) {
    try {
      return await fetch(`${this.endpoint}${path}`, { method, body, headers });
    } catch (e) {
      const cause = (e as { cause?: { code?: string } }).cause;
      throw new SelflessError(
        'PLATFORM_UNREACHABLE',
        `No Selfless server answers at ${this.endpoint}${cause?.code ? ` (${cause.code})` : ''}.`,
        {
          hint: 'Start one with "selfless server" (or "selfless dev"), or set SELFLESS_ENDPOINT to where it runs.',
          cause: e,
        },
      );
    }
  }
}
