import type { CompiledGlob } from "./glob.ts";

interface GlobGroup<T> {
  readonly glob: CompiledGlob;
  readonly items: T[];
}

interface TrieNode<T> {
  children: Map<number, TrieNode<T>> | undefined;
  /** Distinct globs whose literal prefix ends at this node, each tested once. */
  groups: GlobGroup<T>[];
  bySource: Map<string, GlobGroup<T>> | undefined;
}

/**
 * Finds the items whose glob matches a subject without testing every glob: exact globs
 * sit in a hash map, the others in a character trie keyed by their literal prefix
 * (the part before the first `*`). A lookup walks the subject once down the trie and
 * only tests the globs hanging on the nodes it passes, i.e. the globs whose literal
 * prefix is a prefix of the subject; items that share a glob share one test.
 * Items are visited exact ones first, then by trie depth, each group in insertion order.
 */
export class GlobIndex<T> {
  readonly #exact = new Map<string, T[]>();
  readonly #root: TrieNode<T> = newNode();
  #size = 0;

  get size(): number {
    return this.#size;
  }

  add(glob: CompiledGlob, item: T): void {
    this.#size++;
    if (glob.exact) {
      const list = this.#exact.get(glob.source);
      if (list === undefined) this.#exact.set(glob.source, [item]);
      else list.push(item);
      return;
    }
    let node = this.#root;
    const prefix = glob.literalPrefix;
    // Keyed by UTF-16 code unit, in step with the lookup (no per-character strings).
    for (let i = 0; i < prefix.length; i++) {
      const unit = prefix.charCodeAt(i);
      node.children ??= new Map();
      let next = node.children.get(unit);
      if (next === undefined) {
        next = newNode();
        node.children.set(unit, next);
      }
      node = next;
    }
    node.bySource ??= new Map();
    const group = node.bySource.get(glob.source);
    if (group !== undefined) {
      group.items.push(item);
      return;
    }
    const created: GlobGroup<T> = { glob, items: [item] };
    node.bySource.set(glob.source, created);
    node.groups.push(created);
  }

  /** Calls `visit` for every item whose glob matches `subject` (exact matches first). */
  forEachMatch(subject: string, visit: (item: T, glob: CompiledGlob | undefined) => void): void {
    const exact = this.#exact.get(subject);
    if (exact !== undefined) for (const item of exact) visit(item, undefined);
    let node: TrieNode<T> | undefined = this.#root;
    let i = 0;
    while (node !== undefined) {
      for (const group of node.groups) {
        if (group.glob.matches(subject)) for (const item of group.items) visit(item, group.glob);
      }
      if (i >= subject.length || node.children === undefined) break;
      node = node.children.get(subject.charCodeAt(i));
      i++;
    }
  }
}

function newNode<T>(): TrieNode<T> {
  return { children: undefined, groups: [], bySource: undefined };
}

/**
 * A bounded memo keyed by action type, for lookups whose answer depends only on the type
 * (which rate limits apply, which policies are in scope). Real traffic uses a few hundred
 * distinct types, so most lookups hit; a flood of distinct types (invented MCP tool names)
 * only makes the memo start over, never grow without bound. Results are shared: callers
 * must not mutate them.
 */
export class TypeMemo<V> {
  readonly #entries = new Map<string, V>();
  constructor(readonly limit = 4096) {}

  get(type: string, compute: (type: string) => V): V {
    const known = this.#entries.get(type);
    if (known !== undefined) return known;
    const value = compute(type);
    if (this.#entries.size >= this.limit) this.#entries.clear();
    this.#entries.set(type, value);
    return value;
  }
}
