/**
 * Evaluation of the IAM policy a Lambda authorizer returns, against the execute-api ARN of the
 * method being called: an explicit Deny wins, then an Allow, else the call is implicitly denied.
 */

export type PolicyDecision = 'allow' | 'explicit-deny' | 'implicit-deny';

type Obj = Record<string, unknown>;

const asList = (v: unknown): string[] =>
  Array.isArray(v) ? v.map(String) : v === undefined ? [] : [String(v)];

/** IAM wildcard match: `*` any run of characters, `?` one character; case-sensitive like ARNs. */
export function arnLike(pattern: string, value: string): boolean {
  let re = '^';
  for (const ch of pattern) {
    if (ch === '*') re += '.*';
    else if (ch === '?') re += '.';
    else re += ch.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`${re}$`).test(value);
}

function actionMatches(actions: string[]): boolean {
  return actions.some((a) => {
    const lower = a.toLowerCase();
    return (
      lower === '*' ||
      lower === 'execute-api:*' ||
      lower === 'execute-api:invoke' ||
      arnLike(lower, 'execute-api:invoke')
    );
  });
}

/** Whether a policy document is well formed enough to evaluate. */
export function isPolicyDocument(doc: unknown): doc is { Statement: unknown } {
  return typeof doc === 'object' && doc !== null && 'Statement' in doc;
}

/** Decides a policy document for a method ARN. */
export function evaluatePolicy(doc: unknown, methodArn: string): PolicyDecision {
  if (!isPolicyDocument(doc)) return 'implicit-deny';
  const statements = (Array.isArray(doc.Statement) ? doc.Statement : [doc.Statement]) as unknown[];
  let allowed = false;
  for (const s of statements) {
    if (typeof s !== 'object' || s === null) continue;
    const st = s as Obj;
    const effect = String(st.Effect ?? '');
    if (!actionMatches(asList(st.Action))) continue;
    if (!asList(st.Resource).some((r) => arnLike(r, methodArn))) continue;
    if (effect === 'Deny') return 'explicit-deny';
    if (effect === 'Allow') allowed = true;
  }
  return allowed ? 'allow' : 'implicit-deny';
}
