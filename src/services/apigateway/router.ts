/**
 * Path-template routing as API Gateway does it: literal segments beat `{param}` segments, which beat
 * a greedy `{proxy+}`; matching backtracks so `/a/{x}/c` still wins over `/a/{proxy+}` for `/a/b/c`.
 * Segments are matched after percent-decoding each one on its own, so `%2F` stays inside a segment.
 */

interface Node<T> {
  literal: Map<string, Node<T>>;
  param?: { name: string; node: Node<T> };
  greedy?: { name: string; value: T };
  value?: T;
}

/** A template match: the entry and the decoded path parameters. */
export interface Match<T> {
  value: T;
  params: Record<string, string>;
}

function newNode<T>(): Node<T> {
  return { literal: new Map() };
}

/** Splits a path template or request path into segments (no leading/trailing empties). */
export function segmentsOf(path: string): string[] {
  const parts = path.split('/');
  if (parts[0] === '') parts.shift();
  if (parts.length > 0 && parts[parts.length - 1] === '') parts.pop();
  return parts;
}

/** A table of path templates, each carrying a value (for REST: a resource; for HTTP APIs: a route group). */
export class PathTable<T> {
  private readonly root: Node<T> = newNode();

  /** Adds a template like `/users/{id}` or `/files/{proxy+}`; returns the existing value when present. */
  add(template: string, make: () => T): T {
    let node = this.root;
    const segs = segmentsOf(template);
    for (let i = 0; i < segs.length; i++) {
      const s = segs[i]!;
      const greedy = /^\{(.+)\+\}$/.exec(s);
      if (greedy && i === segs.length - 1) {
        if (!node.greedy) node.greedy = { name: greedy[1]!, value: make() };
        return node.greedy.value;
      }
      const param = /^\{(.+)\}$/.exec(s);
      if (param) {
        if (!node.param) node.param = { name: param[1]!, node: newNode() };
        node = node.param.node;
      } else {
        let next = node.literal.get(s);
        if (!next) {
          next = newNode();
          node.literal.set(s, next);
        }
        node = next;
      }
    }
    if (node.value === undefined) node.value = make();
    return node.value;
  }

  /**
   * Candidates for an already-decoded list of segments, most specific first. The caller stops at the
   * first acceptable one (REST takes the first; HTTP APIs the first that has the method).
   */
  *match(segments: string[]): Generator<Match<T>> {
    yield* this.walk(this.root, segments, 0, {});
  }

  private *walk(
    node: Node<T>,
    segs: string[],
    i: number,
    params: Record<string, string>,
  ): Generator<Match<T>> {
    if (i === segs.length) {
      if (node.value !== undefined) yield { value: node.value, params };
      return;
    }
    const seg = segs[i]!;
    const lit = node.literal.get(seg);
    if (lit) yield* this.walk(lit, segs, i + 1, params);
    if (node.param && seg !== '')
      yield* this.walk(node.param.node, segs, i + 1, { ...params, [node.param.name]: seg });
    if (node.greedy)
      yield { value: node.greedy.value, params: { ...params, [node.greedy.name]: segs.slice(i).join('/') } };
  }
}

/** Percent-decodes each segment; undefined when a segment is malformed. */
export function decodeSegments(rawPath: string): string[] | undefined {
  const segs = segmentsOf(rawPath);
  for (let i = 0; i < segs.length; i++) {
    const s = segs[i]!;
    if (s.includes('%')) {
      try {
        segs[i] = decodeURIComponent(s);
      } catch {
        return undefined;
      }
    }
  }
  return segs;
}
