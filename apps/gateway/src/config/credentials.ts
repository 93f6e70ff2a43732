import { readFile } from "node:fs/promises";
import type { CredentialSource, PolicyDocument } from "@tameflare/contracts";
import { readEnvSecret } from "../env.ts";
import type { CredentialResolution } from "../ports/policy-source.ts";
import { resolvePath } from "./load.ts";

/**
 * Resolves every connector credential of a local document: `env`, `file` (relative to the
 * document) or `value`. `encrypted` needs the gateway key of the connected mode. A failure
 * is kept per connector: requests to that connector fail closed, the others keep working.
 */
export async function resolveCredentials(
  document: PolicyDocument,
  baseDir: string,
): Promise<Map<string, CredentialResolution>> {
  const out = new Map<string, CredentialResolution>();
  for (const connector of document.connectors) {
    if (!connector.credential) continue;
    out.set(connector.name ?? connector.type, await resolveOne(connector.credential, baseDir));
  }
  return out;
}

async function resolveOne(source: CredentialSource, baseDir: string): Promise<CredentialResolution> {
  if (source.value !== undefined) return { ok: true, secret: source.value };
  if (source.env !== undefined) {
    const secret = readEnvSecret(source.env);
    return secret === undefined
      ? { ok: false, message: `credential env \`${source.env}\` is not set` }
      : { ok: true, secret };
  }
  if (source.file !== undefined) {
    const path = resolvePath(baseDir, source.file);
    try {
      const secret = (await readFile(path, "utf8")).replace(/\r?\n$/, "");
      return secret === ""
        ? { ok: false, message: `credential file \`${path}\` is empty` }
        : { ok: true, secret };
    } catch (error) {
      return {
        ok: false,
        message: `cannot read credential file \`${path}\`: ${(error as NodeJS.ErrnoException).code}`,
      };
    }
  }
  return { ok: false, message: "encrypted credentials need a connected gateway (`tf init`)" };
}
