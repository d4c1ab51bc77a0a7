/** The private fast channel: frames on the socket inherited by our bootstraps as fd 3. */
import type { Socket } from 'node:net';
import { type Channel, type Delivery, MAX_RESPONSE_BYTES, type RuntimeEndpoint } from './channel.js';
import { encodeFrame, FrameDecoder, type PlatformFrame, type RuntimeFrame } from './frames.js';

export class PipeChannel implements Channel {
  private closed = false;

  constructor(
    private readonly socket: Socket,
    private readonly endpoint: RuntimeEndpoint,
    /** Called when the runtime breaks the protocol (it is then killed). */
    onBroken: (why: string) => void,
  ) {
    const decoder = new FrameDecoder<RuntimeFrame>((h, body) => this.onFrame(h, body));
    socket.on('data', (chunk: Buffer) => {
      try {
        decoder.push(chunk);
      } catch (e) {
        onBroken(String(e));
      }
    });
    socket.on('error', () => {});
  }

  /** Sends the function to specialise into (pre-started or freshly spawned bootstraps alike). */
  init(env: Record<string, string>, cwd: string): void {
    this.write({ t: 'init', env, cwd });
  }

  deliver(d: Delivery): void {
    this.write(
      {
        t: 'invoke',
        id: d.requestId,
        deadlineMs: d.deadlineMs,
        arn: d.invokedFunctionArn,
        traceId: d.traceId,
        clientContext: d.clientContext,
        identity: d.identity,
        tenantId: d.tenantId,
      },
      d.payload,
    );
  }

  close(): void {
    this.closed = true;
    this.socket.destroy();
  }

  private write(h: PlatformFrame, body?: Buffer): void {
    if (!this.closed) this.socket.write(encodeFrame(h, body));
  }

  private onFrame(h: RuntimeFrame, body: Buffer): void {
    switch (h.t) {
      case 'next':
        this.endpoint.runtimeNext(h.frozen === true);
        return;
      case 'response':
        if (typeof h.maxRss === 'number') this.endpoint.runtimePeakMemory?.(h.maxRss);
        if (body.length > MAX_RESPONSE_BYTES) this.endpoint.runtimeResponseTooLarge(h.id);
        else this.endpoint.runtimeResponse(h.id, body);
        return;
      case 'error':
        if (typeof h.maxRss === 'number') this.endpoint.runtimePeakMemory?.(h.maxRss);
        this.endpoint.runtimeError(h.id, h.errorType, body);
        return;
      case 'initError':
        this.endpoint.runtimeInitError(h.errorType, body);
        return;
    }
  }
}
