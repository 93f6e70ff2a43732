import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

/**
 * The Node preload `tf run` puts in `NODE_OPTIONS`. The same relative URL resolves to
 * `src/runtime/preload.mjs` when the CLI runs from source and to `dist/preload.mjs`
 * in the bundle (`scripts/build.mjs` writes it beside `dist/tf.mjs`).
 */
export function preloadUrl(): URL {
  const url = new URL("./preload.mjs", import.meta.url);
  if (!existsSync(fileURLToPath(url))) {
    throw new Error(`the node preload is missing at \`${fileURLToPath(url)}\`: rebuild tf`);
  }
  return url;
}
