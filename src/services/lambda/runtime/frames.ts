/**
 * The private fast channel between the platform and our own bootstraps: length-prefixed frames on
 * an inherited socket (fd 3), kept apart from the function's stdout and stderr.
 *
 * Frame: u32 BE header length, u32 BE body length, header (UTF-8 JSON), body (raw bytes).
 * runtimes/node/index.mjs and runtimes/python/bootstrap.py implement the same layout.
 */

/** Messages the runtime sends mirror the Runtime API: next, response, error, init error. */
export type RuntimeFrame =
  /** frozen: the runtime blocks until the next frame and nothing else of the function runs. */
  | { t: 'next'; frozen?: boolean }
  /** maxRss: the runtime's own peak RSS in bytes, sent when it is the function's only process. */
  | { t: 'response'; id: string; maxRss?: number | null }
  | { t: 'error'; id: string; errorType: string; maxRss?: number | null }
  | { t: 'initError'; errorType: string };

/** Messages the platform sends: the function to specialise into, then invocations. */
export type PlatformFrame =
  | {
      t: 'init';
      env: Record<string, string>;
      cwd: string;
    }
  | {
      t: 'invoke';
      id: string;
      deadlineMs: number;
      arn: string;
      traceId?: string;
      clientContext?: string;
      identity?: string;
      tenantId?: string;
    };

const PREFIX = 8;

/** Encodes one frame. */
export function encodeFrame(header: PlatformFrame | RuntimeFrame, body?: Buffer): Buffer {
  const head = Buffer.from(JSON.stringify(header));
  const bodyLen = body ? body.length : 0;
  const out = Buffer.allocUnsafe(PREFIX + head.length + bodyLen);
  out.writeUInt32BE(head.length, 0);
  out.writeUInt32BE(bodyLen, 4);
  head.copy(out, PREFIX);
  if (body) body.copy(out, PREFIX + head.length);
  return out;
}

/** Incremental decoder: feed it chunks, it calls back once per complete frame. */
export class FrameDecoder<H> {
  private chunks: Buffer[] = [];
  private size = 0;

  constructor(
    private readonly onFrame: (header: H, body: Buffer) => void,
    /** Frames larger than this are a protocol violation (the runtime is then treated as broken). */
    private readonly maxFrame = 64 * 1024 * 1024,
  ) {}

  /** Adds bytes; throws on a malformed or oversized frame. */
  push(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.size += chunk.length;
    while (this.size >= PREFIX) {
      const buf = this.chunks.length === 1 ? this.chunks[0] : Buffer.concat(this.chunks, this.size);
      this.chunks = [buf];
      const headLen = buf.readUInt32BE(0);
      const bodyLen = buf.readUInt32BE(4);
      const total = PREFIX + headLen + bodyLen;
      if (total > this.maxFrame) throw new Error(`frame of ${total} bytes exceeds ${this.maxFrame}`);
      if (buf.length < total) return;
      const header = JSON.parse(buf.toString('utf8', PREFIX, PREFIX + headLen)) as H;
      const body = buf.subarray(PREFIX + headLen, total);
      const rest = buf.subarray(total);
      this.chunks = rest.length ? [rest] : [];
      this.size = rest.length;
      this.onFrame(header, body);
    }
  }
}
