import { readFileSync } from "node:fs";
import { createSecureContext, rootCertificates } from "node:tls";
import type { PolicySnapshot } from "../ports/policy-source.ts";
import { UpstreamPool } from "./upstream.ts";

/**
 * One UpstreamPool per trust configuration (`upstream_ca`, `upstream_proxy`): a reload that
 * keeps them reuses the warm keep-alive connections; one that changes them retires the old
 * pool's idle sockets.
 */
export class PoolManager {
  readonly #systemCaFile: string;
  #key = "";
  #pool: UpstreamPool | undefined;
  #snapshot: PolicySnapshot | undefined;

  constructor(systemCaFile: string) {
    this.#systemCaFile = systemCaFile;
  }

  for(snapshot: PolicySnapshot): UpstreamPool {
    // Per request: the same snapshot as last time needs no comparison of CA texts.
    if (snapshot === this.#snapshot && this.#pool) return this.#pool;
    this.#snapshot = snapshot;
    const proxy = snapshot.document.upstream_proxy;
    const key = `${proxy ?? ""}\n${snapshot.upstreamCaPem ?? ""}`;
    if (this.#pool && key === this.#key) return this.#pool;
    this.#pool?.retire();
    this.#key = key;
    this.#pool = new UpstreamPool({
      secureContext:
        snapshot.upstreamCaPem === undefined
          ? undefined
          : createSecureContext({ ca: this.#trusted(snapshot.upstreamCaPem) }),
      proxy: proxy === undefined ? undefined : new URL(proxy),
    });
    return this.#pool;
  }

  /**
   * Node's `ca` option replaces its default roots, so the extra CA goes with Node's bundled
   * roots and the system bundle (corporate roots installed on the machine).
   */
  #trusted(extraPem: string): string[] {
    const out = [...rootCertificates];
    const system = readIfExists(this.#systemCaFile);
    if (system) out.push(system);
    out.push(extraPem);
    return out;
  }

  close(): void {
    this.#pool?.retire();
    this.#pool = undefined;
    this.#snapshot = undefined;
  }
}

function readIfExists(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
}
