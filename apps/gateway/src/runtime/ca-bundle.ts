import { createHash, randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { caBundleVariables } from "./child-env.ts";

/** Debian's bundle of the system roots: the fallback when no variable names one. */
export const defaultSystemBundle = "/etc/ssl/certs/ca-certificates.crt";

const pemBlock = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/**
 * The root files the parent already trusts: every distinct existing file named by a
 * CA variable (a corporate CA in `NODE_EXTRA_CA_CERTS` stays trusted), else Debian's bundle.
 */
export function systemRootFiles(parent: Readonly<Record<string, string>>): string[] {
  const files: string[] = [];
  for (const name of caBundleVariables) {
    const file = parent[name];
    if (file !== undefined && file !== "" && !files.includes(file) && existsSync(file)) files.push(file);
  }
  if (files.length === 0 && existsSync(defaultSystemBundle)) files.push(defaultSystemBundle);
  return files;
}

/** Concatenates the certificates of each PEM text once, the gateway CA last. Pure. */
export function assembleCaBundle(rootPems: readonly string[], gatewayCaPem: string): string {
  const seen = new Set<string>();
  const blocks: string[] = [];
  for (const text of [...rootPems, gatewayCaPem]) {
    for (const block of text.match(pemBlock) ?? []) {
      const key = block.replace(/\s+/g, "");
      if (seen.has(key)) continue;
      seen.add(key);
      blocks.push(block);
    }
  }
  return `${blocks.join("\n")}\n`;
}

/**
 * Writes the bundle under `TF_HOME/runtime/` and returns its path. The name is the
 * content hash and the write is temp-file + rename, so concurrent `tf run`s never
 * read a half-written file.
 */
export async function writeCaBundle(
  tfHome: string,
  parent: Readonly<Record<string, string>>,
  gatewayCaPem: string,
): Promise<string> {
  if ((gatewayCaPem.match(pemBlock) ?? []).length === 0) {
    throw new Error("the gateway ca certificate is not a pem certificate");
  }
  const roots = await Promise.all(systemRootFiles(parent).map((file) => readFile(file, "utf8")));
  const bundle = assembleCaBundle(roots, gatewayCaPem);
  const digest = createHash("sha256").update(bundle).digest("hex").slice(0, 16);
  const dir = join(tfHome, "runtime");
  const path = join(dir, `ca-bundle-${digest}.pem`);
  if (existsSync(path)) return path;
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const temp = join(dir, `.ca-bundle-${randomBytes(6).toString("hex")}.tmp`);
  await writeFile(temp, bundle, { mode: 0o644 });
  await rename(temp, path);
  return path;
}
