import { describe, expect, it } from 'vitest';
import { credentialScope, parseCredential } from './sigv4.js';

describe('SigV4 credential scope', () => {
  it('reads the service and region from an Authorization header', () => {
    const scope = credentialScope(
      {
        authorization:
          'AWS4-HMAC-SHA256 Credential=test/20260101/eu-west-1/lambda/aws4_request, SignedHeaders=host;x-amz-date, Signature=abc',
      },
      new URLSearchParams(),
    );
    expect(scope).toEqual({ accessKeyId: 'test', date: '20260101', region: 'eu-west-1', service: 'lambda' });
  });

  it('reads a presigned X-Amz-Credential query parameter', () => {
    const q = new URLSearchParams({ 'X-Amz-Credential': 'AK/20260101/us-east-1/s3/aws4_request' });
    expect(credentialScope({}, q)?.service).toBe('s3');
  });

  it('returns undefined for unsigned or malformed requests', () => {
    expect(credentialScope({}, new URLSearchParams())).toBeUndefined();
    expect(parseCredential('AK/2026/us-east-1/s3')).toBeUndefined();
    expect(credentialScope({ authorization: 'Basic xyz' }, new URLSearchParams())).toBeUndefined();
  });
});
