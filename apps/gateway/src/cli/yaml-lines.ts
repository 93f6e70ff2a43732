import { isMap, isSeq, LineCounter, type Node, parseDocument } from "yaml";

/** Splits a document path (`connectors[0].type`, `connectors.0.type`, `/connectors/0/type`, arrays). */
export function pathSegments(path: string | readonly (string | number)[]): (string | number)[] {
  if (typeof path !== "string") return [...path];
  return path
    .replace(/\[(\d+)\]/g, ".$1")
    .split(/[./]/)
    .filter((segment) => segment !== "")
    .map((segment) => (/^\d+$/.test(segment) ? Number(segment) : segment));
}

/**
 * Maps document paths to 1-based line numbers of a YAML text. A path that does not
 * exist (a missing required key) maps to the line of its deepest existing parent.
 */
export function yamlLineFinder(text: string): (path: string | readonly (string | number)[]) => number {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, keepSourceTokens: false });
  return (path) => {
    let node: unknown = doc.contents;
    let offset = (doc.contents as Node | null)?.range?.[0] ?? 0;
    for (const segment of pathSegments(path)) {
      if (isMap(node)) {
        const pair = node.items.find((item) => {
          const key = item.key as { value?: unknown } | null;
          return key !== null && String(key.value ?? key) === String(segment);
        });
        if (pair === undefined) break;
        const keyNode = pair.key as Node | null;
        offset = keyNode?.range?.[0] ?? offset;
        node = pair.value;
      } else if (isSeq(node) && typeof segment === "number") {
        const item = node.items[segment] as Node | undefined;
        if (item === undefined) break;
        offset = item.range?.[0] ?? offset;
        node = item;
      } else {
        break;
      }
    }
    return lineCounter.linePos(offset).line;
  };
}
