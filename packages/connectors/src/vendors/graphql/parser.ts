import { clampValue } from "../../util/body.ts";
import { lex, TokenKind, type Tokens } from "./lexer.ts";

// Read once: bundlers may turn imported members into getters, costly in the token loop.
const PUNCT = TokenKind.Punct;
const NAME_TOKEN = TokenKind.Name;
const NUMBER = TokenKind.Number;
const STRING = TokenKind.String;
const EOF = TokenKind.Eof;

/** What a policy needs to know about one GraphQL operation. */
export interface GraphqlOperation {
  type: "query" | "mutation" | "subscription";
  /** The declared operation name, if any. */
  name: string | undefined;
  /** The first top-level field (fragments followed), not its alias. */
  firstField: string;
  /** Every top-level field (fragments followed), in order, without duplicates. */
  fields: string[];
  /** Arguments of the first field, with `$variables` substituted. */
  arguments: Record<string, unknown>;
}

/** The selected operation, or why the document cannot be run. */
export type GraphqlParse = { ok: true; operation: GraphqlOperation } | { ok: false; message: string };

/** Nesting limits: inline fragments / spread chains and argument values. */
export const graphqlLimits = { selectionDepth: 64, valueDepth: 32 } as const;

type Item =
  | { kind: "field"; name: string; args: number }
  | { kind: "inline"; items: Item[] }
  | { kind: "spread"; name: string };

interface CollectState {
  fields: string[];
  first: Extract<Item, { kind: "field" }> | undefined;
  seen: Set<string>;
  visited: Set<string>;
  fragments: Map<string, Item[]>;
}

interface Definition {
  type: GraphqlOperation["type"];
  name: string | undefined;
  items: Item[];
}

/** Thrown inside the parser only; `parseGraphqlOperation` turns it into a value. */
class ParseError extends Error {}

/**
 * Parses a GraphQL document just enough to name the operation a request runs:
 * its type, declared name, top-level fields and the first field's arguments.
 * `operationName` selects among several operations (as servers do); without
 * it the document must hold exactly one. Linear in the document size and
 * total: every failure is a value with a one-sentence message.
 */
export function parseGraphqlOperation(
  source: string,
  operationName: string | undefined,
  variables: Record<string, unknown>,
): GraphqlParse {
  const lexed = lex(source);
  if (!lexed.ok) return { ok: false, message: `graphql: ${lexed.message}` };
  const parser = new Parser(lexed.tokens, variables);
  try {
    return { ok: true, operation: parser.run(operationName) };
  } catch (error) {
    // Only our own ParseError is expected; anything else is a bug and propagates.
    if (error instanceof ParseError) return { ok: false, message: `graphql: ${error.message}` };
    throw error;
  }
}

const OPERATION_TYPES = new Set(["query", "mutation", "subscription"]);

class Parser {
  private i = 0;
  private readonly kinds: TokenKind[];
  private readonly values: string[];

  constructor(
    tokens: Tokens,
    private readonly variables: Record<string, unknown>,
  ) {
    this.kinds = tokens.kinds;
    this.values = tokens.values;
  }

  run(operationName: string | undefined): GraphqlOperation {
    const operations: Definition[] = [];
    const fragments = new Map<string, Item[]>();
    while (this.kinds[this.i] !== EOF) {
      if (this.isPunct("{")) {
        operations.push({ type: "query", name: undefined, items: this.selectionSet(0) });
        continue;
      }
      const word = this.expectName();
      if (OPERATION_TYPES.has(word)) {
        let name: string | undefined;
        if (this.kinds[this.i] === NAME_TOKEN) name = this.expectName();
        if (this.isPunct("(")) this.skipBalanced();
        this.skipDirectives();
        operations.push({ type: word as Definition["type"], name, items: this.selectionSet(0) });
      } else if (word === "fragment") {
        const name = this.expectName();
        if (name === "on") throw new ParseError("a fragment cannot be named `on`");
        if (this.expectName() !== "on") throw new ParseError(`fragment \`${name}\` needs a type condition`);
        this.expectName();
        this.skipDirectives();
        if (fragments.has(name)) throw new ParseError(`fragment \`${name}\` is defined twice`);
        fragments.set(name, this.selectionSet(0));
      } else {
        throw new ParseError(`unexpected \`${word}\`: only operations and fragments are executable`);
      }
    }

    const operation = this.choose(operations, operationName);
    const state: CollectState = {
      fields: [],
      first: undefined,
      seen: new Set(),
      visited: new Set(),
      fragments,
    };
    this.collect(operation.items, 0, state);
    const { fields, first } = state;
    if (first === undefined) throw new ParseError("the operation selects no field");
    let args: Record<string, unknown> = {};
    if (first.args >= 0) {
      this.i = first.args;
      args = this.arguments();
    }
    return { type: operation.type, name: operation.name, firstField: first.name, fields, arguments: args };
  }

  private collect(items: Item[], depth: number, state: CollectState): void {
    if (depth > graphqlLimits.selectionDepth) throw new ParseError("selections are nested too deeply");
    for (const item of items) {
      if (item.kind === "field") {
        state.first ??= item;
        if (!state.seen.has(item.name)) {
          state.seen.add(item.name);
          state.fields.push(item.name);
        }
      } else if (item.kind === "inline") {
        this.collect(item.items, depth + 1, state);
      } else if (!state.visited.has(item.name)) {
        state.visited.add(item.name);
        const fragment = state.fragments.get(item.name);
        if (fragment === undefined) throw new ParseError(`unknown fragment \`${item.name}\``);
        this.collect(fragment, depth + 1, state);
      }
    }
  }

  private choose(operations: Definition[], operationName: string | undefined): Definition {
    if (operationName !== undefined) {
      const found = operations.find((o) => o.name === operationName);
      if (found === undefined) throw new ParseError(`no operation named \`${operationName}\``);
      return found;
    }
    if (operations.length === 1) return operations[0] as Definition;
    if (operations.length === 0) throw new ParseError("the document has no operation");
    throw new ParseError("the document has several operations and the request names none");
  }

  private selectionSet(depth: number): Item[] {
    if (depth > graphqlLimits.selectionDepth) throw new ParseError("selections are nested too deeply");
    this.expectPunct("{");
    const items: Item[] = [];
    // Repeated fields of one selection set add nothing a policy can use.
    const names = new Set<string>();
    while (!this.isPunct("}")) {
      if (this.isPunct("...")) {
        this.i++;
        if (this.kinds[this.i] === NAME_TOKEN && this.values[this.i] !== "on") {
          items.push({ kind: "spread", name: this.expectName() });
          this.skipDirectives();
          continue;
        }
        if (this.kinds[this.i] === NAME_TOKEN) {
          this.i++; // `on`
          this.expectName();
        }
        this.skipDirectives();
        items.push({ kind: "inline", items: this.selectionSet(depth + 1) });
        continue;
      }
      let name = this.expectName();
      if (this.isPunct(":")) {
        this.i++;
        name = this.expectName();
      }
      let args = -1;
      if (this.isPunct("(")) {
        args = this.i;
        this.skipBalanced();
      }
      this.skipDirectives();
      if (this.isPunct("{")) this.skipBalanced();
      if (!names.has(name)) {
        names.add(name);
        items.push({ kind: "field", name, args });
      }
    }
    this.i++;
    if (items.length === 0) throw new ParseError("a selection set cannot be empty");
    return items;
  }

  /** Parses `( name: value … )` at the cursor. */
  private arguments(): Record<string, unknown> {
    this.expectPunct("(");
    const out: Record<string, unknown> = {};
    while (!this.isPunct(")")) {
      const name = this.expectName();
      this.expectPunct(":");
      const value = this.value(0);
      if (value !== undefined) defineValue(out, name, value);
    }
    this.i++;
    return out;
  }

  private value(depth: number): unknown {
    if (depth > graphqlLimits.valueDepth) throw new ParseError("an argument value is nested too deeply");
    const kind = this.kinds[this.i];
    const text = this.values[this.i] as string;
    if (kind === NUMBER) {
      this.i++;
      return Number(text);
    }
    if (kind === STRING) {
      this.i++;
      return text;
    }
    if (kind === NAME_TOKEN) {
      this.i++;
      if (text === "true") return true;
      if (text === "false") return false;
      if (text === "null") return null;
      return text;
    }
    if (kind === PUNCT) {
      if (text === "$") {
        this.i++;
        const name = this.expectName();
        return Object.hasOwn(this.variables, name) ? clampValue(this.variables[name]) : undefined;
      }
      if (text === "[") {
        this.i++;
        const list: unknown[] = [];
        while (!this.isPunct("]")) list.push(this.value(depth + 1) ?? null);
        this.i++;
        return list;
      }
      if (text === "{") {
        this.i++;
        const obj: Record<string, unknown> = {};
        while (!this.isPunct("}")) {
          const name = this.expectName();
          this.expectPunct(":");
          const v = this.value(depth + 1);
          if (v !== undefined) defineValue(obj, name, v);
        }
        this.i++;
        return obj;
      }
    }
    throw new ParseError("expected a value");
  }

  /** Skips a bracketed group starting at the cursor, whatever it holds. */
  private skipBalanced(): void {
    let depth = 0;
    do {
      const kind = this.kinds[this.i];
      if (kind === EOF) throw new ParseError("unbalanced brackets");
      if (kind === PUNCT) {
        const v = this.values[this.i];
        if (v === "(" || v === "[" || v === "{") depth++;
        else if (v === ")" || v === "]" || v === "}") depth--;
      }
      this.i++;
    } while (depth > 0);
  }

  private skipDirectives(): void {
    while (this.isPunct("@")) {
      this.i++;
      this.expectName();
      if (this.isPunct("(")) this.skipBalanced();
    }
  }

  private isPunct(p: string): boolean {
    return this.kinds[this.i] === PUNCT && this.values[this.i] === p;
  }

  private expectPunct(p: string): void {
    if (!this.isPunct(p)) throw new ParseError(`expected \`${p}\``);
    this.i++;
  }

  private expectName(): string {
    if (this.kinds[this.i] !== NAME_TOKEN) throw new ParseError("expected a name");
    return this.values[this.i++] as string;
  }
}

function defineValue(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === "__proto__") {
    Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  } else {
    target[key] = value;
  }
}
