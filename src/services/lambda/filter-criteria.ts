/**
 * Lambda event-source-mapping filter criteria (FilterCriteria.Filters[].Pattern), shared by the
 * SQS, Kinesis and DynamoDB stream mappings. The syntax is EventBridge's; src/services/events has
 * the full EventBridge matcher with validation, and the two should become one.
 */

/** Whether a value matches one Lambda filter pattern (EventBridge-style: values, prefix, suffix, exists, anything-but, numeric). */
export function matchPattern(pattern: unknown, value: unknown): boolean {
  if (pattern === null || typeof pattern !== 'object' || Array.isArray(pattern)) return false;
  return Object.entries(pattern as Record<string, unknown>).every(([k, p]) => {
    const v = (value as Record<string, unknown> | null)?.[k];
    if (Array.isArray(p))
      return p.some((c) => {
        if (c !== null && typeof c === 'object') {
          const [op, arg] = Object.entries(c as Record<string, unknown>)[0] ?? [];
          if (op === 'exists') return (v !== undefined) === arg;
          if (op === 'prefix') return typeof v === 'string' && v.startsWith(String(arg));
          if (op === 'suffix') return typeof v === 'string' && v.endsWith(String(arg));
          if (op === 'anything-but')
            return Array.isArray(arg) ? !arg.includes(v) : v !== arg && v !== undefined;
          if (op === 'numeric' && Array.isArray(arg) && typeof v === 'number') {
            for (let i = 0; i < arg.length; i += 2) {
              const n = arg[i + 1] as number;
              const o = arg[i];
              if (
                !(o === '=' ? v === n : o === '<' ? v < n : o === '<=' ? v <= n : o === '>' ? v > n : v >= n)
              )
                return false;
            }
            return true;
          }
          return false;
        }
        return Array.isArray(v) ? v.includes(c) : v === c;
      });
    return typeof p === 'object' && p !== null && matchPattern(p, v);
  });
}
