/**
 * SigV4 credential scopes: the platform routes AWS requests by the service named in the scope of
 * their signature. Signatures are not verified (any access key is accepted, as LocalStack does).
 */

/** The parts of `Credential=AKID/20260101/us-east-1/sqs/aws4_request`. */
export interface CredentialScope {
  accessKeyId: string;
  date: string;
  region: string;
  service: string;
}

const SCOPE = /^([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request$/;

/** Parses a credential string (`AKID/date/region/service/aws4_request`); undefined when malformed. */
export function parseCredential(credential: string): CredentialScope | undefined {
  const m = SCOPE.exec(credential.trim());
  if (!m) return undefined;
  return { accessKeyId: m[1], date: m[2], region: m[3], service: m[4] };
}

/** The credential scope of a request, from its Authorization header or its presigned X-Amz-Credential. */
export function credentialScope(
  headers: Record<string, string | string[] | undefined>,
  query: URLSearchParams,
): CredentialScope | undefined {
  const auth = headers.authorization;
  const value = Array.isArray(auth) ? auth[0] : auth;
  if (value?.startsWith('AWS4-HMAC-SHA256')) {
    const m = /Credential=([^,\s]+)/.exec(value);
    if (m) return parseCredential(m[1]);
  }
  const presigned = query.get('X-Amz-Credential');
  return presigned ? parseCredential(presigned) : undefined;
}
