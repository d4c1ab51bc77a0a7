import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SystemClock } from '../../platform/clock.js';
import type { FacadeInvokeRequest, LambdaFacade } from '../lambda/facade.js';
import { Authorizers } from './authorizers.js';
import { compileApis } from './compile.js';
import { ServiceGateway } from './gateway.js';
import { UsagePlans } from './keys.js';
import { ApiListener } from './listener.js';

// The listener's defences, with a function stand-in that echoes what it was given (the end-to-end
// behaviour with real functions is in test/integration/apigw-gateway.test.ts).
const lambda = {
  async invoke(req: FacadeInvokeRequest) {
    const event = JSON.parse(String(req.payload));
    return {
      statusCode: 200,
      payload: Buffer.from(
        JSON.stringify({
          statusCode: 200,
          body: JSON.stringify({ path: event.path, params: event.pathParameters }),
        }),
      ),
      requestId: 'r',
    };
  },
} as unknown as LambdaFacade;

const clock = new SystemClock();
const quiet = { info() {}, warn() {}, error() {}, debug() {} };
const apis = compileApis({
  service: 's',
  stage: 'dev',
  region: 'us-east-1',
  functions: [
    { key: 'f', name: 's-dev-f', events: [{ http: 'ANY /files/{proxy+}' }, { http: 'GET /one/{id}' }] },
  ],
  apiGateway: {},
  httpApi: {},
  documentation: {},
  selfless: {},
});
const gateway = new ServiceGateway(apis, {
  lambda: () => lambda,
  clock,
  authorizers: new Authorizers(() => lambda, clock, 'us-east-1'),
  usage: new UsagePlans(clock),
  log: quiet,
});
const listener = new ApiListener(gateway, {
  clock,
  headersTimeoutMs: 200,
  requestTimeoutMs: 400,
  maxBodyBytes: 1024,
});
let port = 0;

beforeAll(async () => {
  port = await listener.listen(0);
});
afterAll(() => listener.close());

/** Sends raw bytes and collects everything until the server closes (or `waitMs` passes). */
function raw(data: string, waitMs = 5_000): Promise<{ text: string; closed: boolean }> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    let text = '';
    const timer = setTimeout(() => {
      s.destroy();
      resolve({ text, closed: false });
    }, waitMs);
    s.on('data', (d) => {
      text += d;
    });
    s.on('close', () => {
      clearTimeout(timer);
      resolve({ text, closed: true });
    });
    s.on('error', () => {});
    s.write(data);
  });
}

describe('the API listener', () => {
  it('keeps percent-encoded slashes inside one path parameter and dot segments literal', async () => {
    const a = await raw('GET /dev/one/a%2Fb HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    expect(a.text).toMatch(/^HTTP\/1.1 200/);
    expect(a.text).toContain('{"path":"/one/a%2Fb","params":{"id":"a/b"}}');
    const dots = await raw('GET /dev/one/../files/x HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    expect(dots.text).toMatch(/^HTTP\/1.1 403/);
    expect(dots.text).toContain('{"message":"Missing Authentication Token"}');
    const traversal = await raw(
      'GET /dev/files/../../etc/passwd HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
    );
    expect(traversal.text).toContain('"params":{"proxy":"../../etc/passwd"}');
  });

  it('answers malformed escapes with 400', async () => {
    const r = await raw('GET /dev/one/%E0%A4%A HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    expect(r.text).toMatch(/^HTTP\/1.1 400/);
  });

  it('drops clients that never finish their headers or their body, and keeps serving others', async () => {
    const slowHeaders = raw('GET /dev/one/1 HTTP/1.1\r\nHost: x\r\n');
    const slowBody = raw('POST /dev/files/a HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n0123456789');
    const ok = await raw('GET /dev/one/1 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    expect(ok.text).toMatch(/^HTTP\/1.1 200/);
    const [h, b] = await Promise.all([slowHeaders, slowBody]);
    expect(h.closed).toBe(true);
    expect(h.text).toMatch(/^HTTP\/1.1 408/);
    expect(b.closed).toBe(true);
    expect(b.text).toMatch(/^HTTP\/1.1 408/);
  });

  it('refuses bodies over the limit with 413, by declared length or by counting', async () => {
    const declared = await raw(`POST /dev/files/a HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n\r\n`);
    expect(declared.text).toMatch(/^HTTP\/1.1 413/);
    expect(declared.text).toContain('{"message":"Request Too Long"}');
    const chunked = await raw(
      `POST /dev/files/a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n800\r\n${'a'.repeat(2048)}\r\n0\r\n\r\n`,
    );
    expect(chunked.text).toMatch(/^HTTP\/1.1 413/);
  });
});
