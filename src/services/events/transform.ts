/**
 * What an EventBridge target receives: the whole event, a constant `Input`, the part selected by
 * `InputPath`, or an `InputTransformer` template filled from `InputPathsMap`.
 */
import { SelflessError } from '../../platform/errors.js';

export interface InputTransformer {
  InputPathsMap?: Record<string, string>;
  InputTemplate: string;
}

/** How a target shapes its input; at most one of the three is set (as AWS requires). */
export interface TargetInput {
  Input?: string;
  InputPath?: string;
  InputTransformer?: InputTransformer;
}

/** Facts the predefined template variables (`<aws.events.rule-arn>`, ...) expand to. */
export interface TransformContext {
  ruleArn?: string;
  ruleName?: string;
  ingestionTime?: string;
}

function validation(message: string): SelflessError {
  return new SelflessError('ValidationException', message);
}

type PathStep = string | number;

/** Parses the JSONPath subset EventBridge accepts: `$`, `.name`, `['name']`, `[0]`. */
export function parseJsonPath(path: string): PathStep[] {
  if (typeof path !== 'string' || !path.startsWith('$'))
    throw validation(`The JSONPath "${path}" is not valid: it must start with $.`);
  const steps: PathStep[] = [];
  const re = /\.([^.[\]]+)|\[(\d+)\]|\['((?:[^'\\]|\\.)*)'\]|\["((?:[^"\\]|\\.)*)"\]/y;
  let i = 1;
  while (i < path.length) {
    re.lastIndex = i;
    const m = re.exec(path);
    if (!m) throw validation(`The JSONPath "${path}" is not valid at position ${i}.`);
    steps.push(m[1] ?? (m[2] !== undefined ? Number(m[2]) : (m[3] ?? m[4]).replace(/\\(.)/g, '$1')));
    i = re.lastIndex;
  }
  return steps;
}

/** The value at a JSONPath, or undefined when the path does not exist. */
export function selectPath(value: unknown, path: string): unknown {
  let cur: unknown = value;
  for (const step of parseJsonPath(path)) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string | number, unknown>)[step];
  }
  return cur;
}

/** Validates a target's input settings (one of Input / InputPath / InputTransformer, well formed). */
export function validateTargetInput(t: TargetInput, where = 'Target'): void {
  const set = [t.Input, t.InputPath, t.InputTransformer].filter((x) => x !== undefined).length;
  if (set > 1) throw validation(`${where}: only one of Input, InputPath and InputTransformer may be set.`);
  if (t.Input !== undefined) {
    try {
      JSON.parse(t.Input);
    } catch {
      throw validation(`${where}: Input is not valid JSON text.`);
    }
  }
  if (t.InputPath !== undefined) parseJsonPath(t.InputPath);
  if (t.InputTransformer) {
    if (typeof t.InputTransformer.InputTemplate !== 'string')
      throw validation(`${where}: InputTransformer.InputTemplate is required.`);
    const map = t.InputTransformer.InputPathsMap ?? {};
    if (Object.keys(map).length > 100) throw validation(`${where}: InputPathsMap has more than 100 entries.`);
    for (const [k, p] of Object.entries(map)) {
      if (k.startsWith('aws.events.'))
        throw validation(`${where}: InputPathsMap key ${k} is reserved (aws.events.* are predefined).`);
      parseJsonPath(p);
    }
  }
}

/** The payload text a target receives for an event. */
export function targetPayload(event: unknown, t: TargetInput, ctx: TransformContext = {}): string {
  if (t.Input !== undefined) return t.Input;
  if (t.InputPath !== undefined) return JSON.stringify(selectPath(event, t.InputPath) ?? null);
  if (t.InputTransformer) return fillTemplate(event, t.InputTransformer, ctx);
  return JSON.stringify(event);
}

/**
 * Fills `<name>` placeholders. Inside a JSON string literal a value is inserted as text (strings
 * raw, others as JSON, escaped for the string); outside it is inserted as JSON. Unknown names stay.
 */
function fillTemplate(event: unknown, tr: InputTransformer, ctx: TransformContext): string {
  const values = new Map<string, unknown>();
  for (const [k, p] of Object.entries(tr.InputPathsMap ?? {})) values.set(k, selectPath(event, p));
  values.set('aws.events.event', event);
  values.set('aws.events.event.json', event);
  if (ctx.ruleArn) values.set('aws.events.rule-arn', ctx.ruleArn);
  if (ctx.ruleName) values.set('aws.events.rule-name', ctx.ruleName);
  values.set('aws.events.event.ingestion-time', ctx.ingestionTime ?? (event as { time?: string })?.time);
  const tpl = tr.InputTemplate;
  let out = '';
  let inString = false;
  for (let i = 0; i < tpl.length; i++) {
    const c = tpl[i];
    if (c === '\\' && inString) {
      out += c + (tpl[i + 1] ?? '');
      i++;
      continue;
    }
    if (c === '"') inString = !inString;
    if (c === '<') {
      const end = tpl.indexOf('>', i);
      const name = end > i ? tpl.slice(i + 1, end) : '';
      if (name && /^[\w.-]+$/.test(name) && values.has(name)) {
        const v = values.get(name);
        if (inString) {
          const text = v === undefined ? '' : typeof v === 'string' ? v : JSON.stringify(v);
          out += JSON.stringify(text).slice(1, -1);
        } else out += v === undefined ? 'null' : JSON.stringify(v);
        i = end;
        continue;
      }
    }
    out += c;
  }
  return out;
}
