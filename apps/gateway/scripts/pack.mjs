// Packs `tf` as a publishable npm package: `pnpm pack:tf` (repository root) or
// `node apps/gateway/scripts/pack.mjs [--outdir DIR]` (default apps/gateway/dist).
//
// The workspace package (@tameflare/gateway) cannot be packed as it is: its manifest depends on
// `workspace:*` packages that exist only inside this monorepo, and on npm packages that esbuild
// already bundles. So this script builds the bundle into DIR/package/ and writes a manifest of its
// own there (no dependencies at all: installing the tarball needs nothing but the tarball), with the
// licences of the bundled third-party packages beside it, checks it, and runs `npm pack` into DIR.
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, dirname, join, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";

/** The published name; `bin` makes the command `tf` whatever the package is called. */
const packageName = "@tameflare/tf";
/** undici 7 (bundled for `fetch` through the proxy on Node 20) needs 20.18.1. */
const nodeEngines = ">=20.18.1";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");

function fail(message) {
  console.error(`error: ${message}`);
  process.exit(1);
}

function parseArgs(argv) {
  let outdir = join(root, "dist");
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--outdir") {
      const value = argv[++i];
      if (value === undefined || value.startsWith("--")) fail("`--outdir` needs a directory");
      outdir = resolve(value);
    } else if (arg === "-h" || arg === "--help") {
      console.log("usage: node apps/gateway/scripts/pack.mjs [--outdir DIR]  (default apps/gateway/dist)");
      process.exit(0);
    } else {
      console.error(`error: unknown argument \`${arg}\``);
      process.exit(2);
    }
  }
  return { outdir };
}

function run(command, args, options = {}) {
  const result = spawnSync(command, args, { encoding: "utf8", ...options });
  if (result.error) fail(`\`${command} ${args.join(" ")}\`: ${result.error.message}`);
  if (result.status !== 0) {
    fail(`\`${command} ${args.join(" ")}\` exited ${result.status}: ${result.stderr.trim()}`);
  }
  return result.stdout;
}

/** The npm packages esbuild put into the bundles: one entry per package directory. */
function bundledPackages(inputs) {
  const dirs = new Set();
  for (const input of inputs) {
    const marker = `${sep}node_modules${sep}`;
    const at = input.lastIndexOf(marker);
    if (at === -1) continue; // our own sources (apps/gateway/src, packages/*/src)
    const rest = input.slice(at + marker.length).split(sep);
    const nameParts = rest[0]?.startsWith("@") ? 2 : 1;
    dirs.add(input.slice(0, at + marker.length) + rest.slice(0, nameParts).join(sep));
  }
  const packages = [];
  for (const dir of dirs) {
    const manifest = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));
    if (typeof manifest.license !== "string" || manifest.license === "") {
      fail(`bundled package \`${manifest.name}\` declares no licence: check it before publishing`);
    }
    const files = readdirSync(dir).sort();
    const licenseFile = files.find((name) => /^(licen[cs]e|copying)(\.(md|txt))?$/i.test(name));
    if (licenseFile === undefined) fail(`bundled package \`${manifest.name}\` ships no licence file`);
    // Apache-2.0 asks for the package's NOTICE to travel with it (reflect-metadata: CopyrightNotice.txt).
    const notices = files.filter((name) => /^(notice|copyrightnotice)(\.(md|txt))?$/i.test(name));
    packages.push({
      name: manifest.name,
      version: manifest.version,
      license: manifest.license,
      text: [licenseFile, ...notices]
        .map((name) => readFileSync(join(dir, name), "utf8").trim())
        .join("\n\n"),
    });
  }
  return packages.sort((a, b) => a.name.localeCompare(b.name) || a.version.localeCompare(b.version));
}

function thirdPartyNotices(packages) {
  const lines = [
    "# Third-party licences",
    "",
    "`tf.mjs` and `preload.mjs` bundle the following packages. Their licences follow.",
    "",
  ];
  for (const p of packages) lines.push(`- ${p.name}@${p.version} (${p.license})`);
  for (const p of packages) lines.push("", `## ${p.name}@${p.version}`, "", "```", p.text, "```");
  return `${lines.join("\n")}\n`;
}

const { outdir } = parseArgs(process.argv.slice(2));
const gateway = JSON.parse(await readFile(join(root, "package.json"), "utf8"));
if (typeof gateway.license !== "string") fail("apps/gateway/package.json has no `license`");

const stage = join(outdir, "package");
await rm(stage, { recursive: true, force: true });
await mkdir(stage, { recursive: true });
const scratch = await mkdtemp(join(tmpdir(), "tf-pack-"));
try {
  const metafile = join(scratch, "meta.json");
  run(process.execPath, [join(root, "scripts/build.mjs"), "--outdir", stage, "--metafile", metafile]);
  const { inputs } = JSON.parse(await readFile(metafile, "utf8"));

  // The CLI states its own version: a package whose `tf --version` disagrees is not shipped.
  const cliVersion = run(process.execPath, [join(stage, "tf.mjs"), "--version"]).trim();
  if (cliVersion !== gateway.version) {
    fail(`\`tf --version\` says ${cliVersion}, apps/gateway/package.json says ${gateway.version}`);
  }

  await writeFile(join(stage, "THIRD_PARTY_LICENSES.md"), thirdPartyNotices(bundledPackages(inputs)));
  await copyFile(join(root, "scripts/package-readme.md"), join(stage, "README.md"));
  const manifest = {
    name: packageName,
    version: gateway.version,
    description:
      "TameFlare's tf CLI: run an AI agent with all of its HTTP(S) traffic governed by a local gateway (policies, approvals, audit trail)",
    license: gateway.license,
    type: "module",
    bin: { tf: "tf.mjs" },
    files: ["tf.mjs", "preload.mjs", "THIRD_PARTY_LICENSES.md"],
    engines: { node: nodeEngines },
  };
  await writeFile(join(stage, "package.json"), `${JSON.stringify(manifest, null, 2)}\n`);

  // `npm pack` of a folder never contacts the registry; --ignore-scripts: the manifest has none.
  const packed = JSON.parse(
    run("npm", ["pack", "--json", "--ignore-scripts", "--pack-destination", outdir], { cwd: stage }),
  )[0];
  const tarball = join(outdir, packed.filename);
  if (!existsSync(tarball)) fail(`npm pack reported \`${packed.filename}\` but it is not in ${outdir}`);
  const kB = (bytes) => `${(bytes / 1024).toFixed(0)} kB`;
  console.log(
    `packed ${tarball}: ${packed.entryCount} files, ${kB(packed.size)} (unpacked ${kB(packed.unpackedSize)})`,
  );
  console.log(`try it: npm install ${basename(tarball)} in a project, then npx tf --help`);
} finally {
  await rm(scratch, { recursive: true, force: true });
}
