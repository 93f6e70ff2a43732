// Bundles the `tf` CLI into dist/tf.mjs and the Node preload `tf run` injects into
// dist/preload.mjs (beside it, where src/runtime/preload-path.ts looks for it).
// `--outdir DIR` builds elsewhere (the integration tests build their own copy).
import { chmod, rm } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const outdirFlag = process.argv.indexOf("--outdir");
const dist = outdirFlag === -1 ? join(root, "dist") : resolve(process.argv[outdirFlag + 1] ?? "dist");

const common = {
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  logLevel: "warning",
  legalComments: "none",
};

await Promise.all(["tf.mjs", "preload.mjs"].map((name) => rm(join(dist, name), { force: true })));
await build({
  ...common,
  entryPoints: [join(root, "src/cli/main.ts")],
  outfile: join(dist, "tf.mjs"),
  // The entry's `#!/usr/bin/env node` stays first. CommonJS dependencies bundled into ESM
  // still call require() for Node built-ins, hence the banner.
  banner: {
    js: [
      'import { createRequire as __tfCreateRequire } from "node:module";',
      "const require = __tfCreateRequire(import.meta.url);",
    ].join("\n"),
  },
});
await build({
  ...common,
  entryPoints: [join(root, "src/runtime/preload.mjs")],
  outfile: join(dist, "preload.mjs"),
  // Loaded into every Node process of the agent: smaller parses faster.
  minify: true,
  banner: {
    js: [
      'import { createRequire as __tfCreateRequire } from "node:module";',
      "const require = __tfCreateRequire(import.meta.url);",
    ].join("\n"),
  },
});
await chmod(join(dist, "tf.mjs"), 0o755);
console.log(`built ${join(dist, "tf.mjs")} and ${join(dist, "preload.mjs")}`);
