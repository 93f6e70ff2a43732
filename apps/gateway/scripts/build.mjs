// Bundles the `tf` CLI into dist/tf.mjs and the Node preload `tf run` injects into
// dist/preload.mjs (beside it, where src/runtime/preload-path.ts looks for it).
// `--outdir DIR` builds elsewhere (the integration tests build their own copy);
// `--metafile FILE` writes the inputs of both bundles there (scripts/pack.mjs lists the bundled
// third-party packages from it).
import { chmod, rm, writeFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const outdirFlag = process.argv.indexOf("--outdir");
const dist = outdirFlag === -1 ? join(root, "dist") : resolve(process.argv[outdirFlag + 1] ?? "dist");
const metafileFlag = process.argv.indexOf("--metafile");
const metafilePath = metafileFlag === -1 ? undefined : process.argv[metafileFlag + 1];
if (metafileFlag !== -1 && metafilePath === undefined) {
  console.error("error: `--metafile` needs a file path");
  process.exit(2);
}

const common = {
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  logLevel: "warning",
  legalComments: "none",
  metafile: metafilePath !== undefined,
};

await Promise.all(["tf.mjs", "preload.mjs"].map((name) => rm(join(dist, name), { force: true })));
const cli = await build({
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
const preload = await build({
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
if (metafilePath !== undefined) {
  // esbuild's input paths are relative to the working directory: make them absolute.
  const inputs = [cli, preload].flatMap((result) => Object.keys(result.metafile?.inputs ?? {}));
  await writeFile(
    resolve(metafilePath),
    JSON.stringify({ inputs: [...new Set(inputs.map((p) => resolve(p)))] }),
  );
}
console.log(`built ${join(dist, "tf.mjs")} and ${join(dist, "preload.mjs")}`);
