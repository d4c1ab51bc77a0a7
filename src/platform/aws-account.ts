/** The one fixed local account: ARNs are AWS-shaped and stable across restarts. */
export const ACCOUNT_ID = '000000000000';
export const DEFAULT_REGION = 'us-east-1';

/** Builds an ARN in AWS's format. */
export function arn(service: string, region: string, resource: string, account = ACCOUNT_ID): string {
  return `arn:aws:${service}:${region}:${account}:${resource}`;
}
