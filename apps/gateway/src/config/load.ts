import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { dirname, isAbsolute, resolve } from "node:path";
import type { PolicyDocument } from "@tameflare/contracts";
import {
  type CompiledPolicy,
  type ConnectorRegistry,
  compilePolicy,
  createConnectorRegistry,
  parsePolicyYaml,
} from "./engine.ts";

/** A problem in the document: its path (`connectors[0].domains`), and its line when known. */
export interface LoadError {
  path: string;
  message: string;
  line?: number;
  column?: number;
}

export interface LoadedPolicy {
  ok: true;
  document: PolicyDocument;
  compiled: CompiledPolicy;
  registry: ConnectorRegistry;
  /** SHA-256 of the file's text: the document's version in local mode. */
  version: string;
  /** The file's directory: relative `upstream_ca` and credential `file` paths start here. */
  baseDir: string;
  /** The `upstream_ca` PEM text, read at load. */
  upstreamCaPem: string | undefined;
}

export type LoadResult = LoadedPolicy | { ok: false; errors: LoadError[] };

/**
 * Reads, validates and compiles a policy document (`tameflare.yaml`; JSON is YAML too) for a gateway.
 * Every problem comes back with its path in the document; nothing is thrown for bad input.
 */
export async function loadPolicyFile(
  path: string,
  options: { gatewayId?: string } = {},
): Promise<LoadResult> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    return {
      ok: false,
      errors: [{ path: "", message: `cannot read \`${path}\`: ${(error as Error).message}` }],
    };
  }
  return loadPolicyText(text, { baseDir: dirname(resolve(path)), gatewayId: options.gatewayId ?? "local" });
}

/** Like `loadPolicyFile`, from text already read. */
export async function loadPolicyText(
  text: string,
  options: { baseDir: string; gatewayId: string },
): Promise<LoadResult> {
  const validated = parsePolicyYaml(text);
  if (!validated.ok) return { ok: false, errors: validated.errors.map(toLoadError) };
  const document: PolicyDocument = validated.document;
  const compiled = compilePolicy(document, {
    gateway: { id: options.gatewayId, name: document.gateway.name },
  });
  if (!compiled.ok) return { ok: false, errors: compiled.errors.map(toLoadError) };
  const registry = createConnectorRegistry(document.connectors);
  if (!registry.ok) return { ok: false, errors: registry.errors.map(toLoadError) };

  let upstreamCaPem: string | undefined;
  if (document.upstream_ca !== undefined) {
    const caPath = resolvePath(options.baseDir, document.upstream_ca);
    try {
      upstreamCaPem = await readFile(caPath, "utf8");
    } catch (error) {
      return {
        ok: false,
        errors: [{ path: "upstream_ca", message: `cannot read \`${caPath}\`: ${(error as Error).message}` }],
      };
    }
    if (!upstreamCaPem.includes("-----BEGIN CERTIFICATE-----")) {
      return {
        ok: false,
        errors: [{ path: "upstream_ca", message: `\`${caPath}\` holds no PEM certificate` }],
      };
    }
  }
  return {
    ok: true,
    document,
    compiled: compiled.compiled,
    registry: registry.registry,
    version: createHash("sha256").update(text).digest("hex").slice(0, 16),
    baseDir: options.baseDir,
    upstreamCaPem,
  };
}

function toLoadError(e: LoadError): LoadError {
  return {
    path: e.path,
    message: e.message,
    ...(e.line !== undefined ? { line: e.line } : {}),
    ...(e.column !== undefined ? { column: e.column } : {}),
  };
}

export function resolvePath(baseDir: string, path: string): string {
  return isAbsolute(path) ? path : resolve(baseDir, path);
}

/** One line for a log: the first error with its path, and how many more. */
export function describeLoadErrors(errors: LoadError[]): string {
  const first = errors[0];
  if (!first) return "unknown error";
  const where = first.line !== undefined ? ` (line ${first.line})` : "";
  const head = `${first.path === "" ? first.message : `${first.path}: ${first.message}`}${where}`;
  return errors.length > 1 ? `${head} (and ${errors.length - 1} more)` : head;
}
