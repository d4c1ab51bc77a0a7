/**
 * Routes a request on the shared port to the service plugin that owns it: by `X-Amz-Target`
 * prefix, then by the SigV4 credential scope's service, then by a plugin's own claim.
 */
import type { IncomingMessage } from 'node:http';
import { credentialScope } from '../aws/sigv4.js';
import type { WireApi, WireRequest } from './service.js';

export interface Route {
  plugin: string;
  api: WireApi;
}

/** Finds the wire API for a request, or undefined. */
export function routeRequest(w: WireRequest, apis: Route[]): Route | undefined {
  if (w.target) {
    const byTarget = apis.find((a) => a.api.targetPrefixes?.some((p) => w.target?.startsWith(p)));
    if (byTarget) return byTarget;
  }
  if (w.signingService) {
    const bySigning = apis.filter((a) => a.api.signingNames.includes(w.signingService as string));
    if (bySigning.length === 1) return bySigning[0];
    // Several APIs share a signing name (e.g. API Gateway v1/v2): let their claims decide.
    const claimed = bySigning.find((a) => a.api.claims?.(w));
    if (claimed) return claimed;
    if (bySigning.length) return bySigning[0];
  }
  return apis.find((a) => a.api.claims?.(w));
}

/** What the router reads from a request before choosing. */
export function describeRequest(req: IncomingMessage, url: URL, defaultRegion: string) {
  const scope = credentialScope(req.headers, url.searchParams);
  const targetHeader = req.headers['x-amz-target'];
  const target = Array.isArray(targetHeader) ? targetHeader[0] : targetHeader;
  return { signingService: scope?.service, target, region: scope?.region ?? defaultRegion };
}
