/**
 * Applies a parsed UpdateExpression to an item: SET (with + / -, if_not_exists, list_append),
 * REMOVE, ADD (numbers and sets) and DELETE (from sets), all operands read from the item as it was
 * before the update, as DynamoDB evaluates them.
 */
import { validationError } from './errors.js';
import { type Path, resolvePath, type UpdateActions, type UpdateValue } from './expressions.js';
import { type AttributeValue, addNumbers, type Item, setHas, typeOf } from './values.js';

const INVALID_PATH = 'The document path provided in the update expression is invalid for update';

function typeMismatch(what: string): Error {
  return validationError(`An operand in the update expression has an incorrect data type${what}`);
}

function evaluateValue(before: Item, v: UpdateValue): AttributeValue {
  switch (v.kind) {
    case 'operand': {
      const o = v.operand;
      if (o.kind === 'value') return o.value;
      if (o.kind === 'size')
        throw validationError(
          'Invalid UpdateExpression: The function is not allowed in an update expression; function: size',
        );
      const found = resolvePath(before, o.path);
      if (found === undefined)
        throw validationError(
          'The provided expression refers to an attribute that does not exist in the item',
        );
      return found;
    }
    case 'if_not_exists':
      return resolvePath(before, v.path) ?? evaluateValue(before, v.fallback);
    case 'list_append': {
      const a = evaluateValue(before, v.a);
      const b = evaluateValue(before, v.b);
      if (!('L' in a) || !('L' in b)) throw typeMismatch('');
      return { L: [...a.L, ...b.L] };
    }
    case 'arith': {
      const a = evaluateValue(before, v.a);
      const b = evaluateValue(before, v.b);
      if (!('N' in a) || !('N' in b)) throw typeMismatch('');
      return { N: addNumbers(a.N, b.N, v.op === '+' ? 1 : -1) };
    }
  }
}

/** The container of a path's last step: the item itself or a list or map that already exists. */
function parentOf(item: Item, path: Path): AttributeValue | undefined {
  return path.length === 1 ? { M: item } : resolvePath(item, path.slice(0, -1));
}

function setAt(item: Item, path: Path, value: AttributeValue): void {
  const parent = parentOf(item, path);
  const last = path[path.length - 1]!;
  if (parent && typeof last === 'number' && 'L' in parent) {
    if (last >= parent.L.length) parent.L.push(value);
    else parent.L[last] = value;
  } else if (parent && typeof last === 'string' && 'M' in parent) parent.M[last] = value;
  else throw validationError(INVALID_PATH);
}

function removeAt(item: Item, path: Path): void {
  const parent = parentOf(item, path);
  const last = path[path.length - 1]!;
  if (parent && typeof last === 'number' && 'L' in parent) {
    if (last < parent.L.length) parent.L.splice(last, 1);
  } else if (parent && typeof last === 'string' && 'M' in parent) delete parent.M[last];
  else if (parent !== undefined) throw validationError(INVALID_PATH);
}

function clone<T>(v: T): T {
  return structuredClone(v);
}

/** Returns the item after the update; `before` is left unchanged. Key attributes may not change. */
export function applyUpdate(before: Item, actions: UpdateActions, keyNames: string[]): Item {
  const touched = [
    ...actions.set.map((a) => a.path),
    ...actions.remove,
    ...actions.add.map((a) => a.path),
    ...actions.delete.map((a) => a.path),
  ];
  checkOverlaps(touched);
  for (const p of touched)
    if (p.length === 1 && keyNames.includes(p[0] as string))
      throw validationError(
        `One or more parameter values were invalid: Cannot update attribute ${p[0]}. This attribute is part of the key`,
      );
  const after = clone(before);
  for (const { path, value } of actions.set) setAt(after, path, clone(evaluateValue(before, { ...value })));
  for (const path of [...actions.remove].sort(byIndexDescending)) removeAt(after, path);
  for (const { path, value } of actions.add) {
    const cur = resolvePath(before, path);
    if (cur === undefined) {
      if (!('N' in value) && !('SS' in value) && !('NS' in value) && !('BS' in value))
        throw typeMismatch('; operator: ADD, operand type: ' + typeName(value));
      setAt(after, path, clone(value));
    } else if ('N' in cur && 'N' in value) setAt(after, path, { N: addNumbers(cur.N, value.N) });
    else if (typeOf(cur) === typeOf(value) && ['SS', 'NS', 'BS'].includes(typeOf(cur))) {
      const t = typeOf(cur);
      const elems = [...(cur as Record<string, string[]>)[t]!];
      for (const e of (value as Record<string, string[]>)[t]!) if (!setHas(t, elems, e)) elems.push(e);
      setAt(after, path, { [t]: elems } as AttributeValue);
    } else throw typeMismatch('; operator: ADD, operand type: ' + typeName(value));
  }
  for (const { path, value } of actions.delete) {
    const t = typeOf(value);
    if (!['SS', 'NS', 'BS'].includes(t))
      throw typeMismatch('; operator: DELETE, operand type: ' + typeName(value));
    const cur = resolvePath(before, path);
    if (cur === undefined) continue;
    if (typeOf(cur) !== t) throw typeMismatch('; operator: DELETE, operand type: ' + typeName(value));
    const drop = (value as Record<string, string[]>)[t]!;
    const left = (cur as Record<string, string[]>)[t]!.filter((e) => !setHas(t, drop, e));
    if (left.length === 0) removeAt(after, path);
    else setAt(after, path, { [t]: left } as AttributeValue);
  }
  return after;
}

function typeName(v: AttributeValue): string {
  const names: Record<string, string> = {
    S: 'STRING',
    N: 'NUMBER',
    B: 'BINARY',
    BOOL: 'BOOLEAN',
    NULL: 'NULL',
    M: 'MAP',
    L: 'LIST',
    SS: 'STRING SET',
    NS: 'NUMBER SET',
    BS: 'BINARY SET',
  };
  return names[typeOf(v)]!;
}

/** Later list indexes first, so removing several elements of one list removes the ones named. */
function byIndexDescending(a: Path, b: Path): number {
  const x = a[a.length - 1];
  const y = b[b.length - 1];
  return typeof x === 'number' && typeof y === 'number' ? y - x : 0;
}

function checkOverlaps(paths: Path[]): void {
  const text = paths.map((p) => p.map((s) => (typeof s === 'number' ? `[${s}]` : `.${s}`)).join(''));
  for (let i = 0; i < text.length; i++)
    for (let j = i + 1; j < text.length; j++) {
      const a = text[i]!;
      const b = text[j]!;
      if (
        a === b ||
        b.startsWith(`${a}.`) ||
        b.startsWith(`${a}[`) ||
        a.startsWith(`${b}.`) ||
        a.startsWith(`${b}[`)
      )
        throw validationError(
          `Invalid UpdateExpression: Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [${pretty(paths[i]!)}], path two: [${pretty(paths[j]!)}]`,
        );
    }
}

function pretty(p: Path): string {
  return p.map((s) => (typeof s === 'number' ? `[${s}]` : s)).join(', ');
}
