import { type FSWatcher, watch } from "node:fs";
import { stat } from "node:fs/promises";
import { basename, dirname, resolve } from "node:path";
import type { PolicySnapshot, PolicySource } from "../ports/policy-source.ts";
import { resolveCredentials } from "./credentials.ts";
import { describeLoadErrors, loadPolicyFile } from "./load.ts";

export interface FilePolicySourceOptions {
  path: string;
  gatewayId: string;
  logger: (line: string) => void;
  debounceMs?: number;
  pollMs?: number;
}

/**
 * Local mode's PolicySource: a `tameflare.yaml` with hot reload. fs.watch on the file's
 * directory (editors replace files by rename) with a debounce, plus a poll of the file's
 * identity as a fallback. An invalid edit keeps the last good document and logs one line.
 */
export class FilePolicySource implements PolicySource {
  readonly #path: string;
  readonly #gatewayId: string;
  readonly #log: (line: string) => void;
  readonly #debounceMs: number;
  readonly #listeners = new Set<(s: PolicySnapshot) => void>();
  #current: PolicySnapshot | undefined;
  #lastLogged: string | undefined;
  #stamp = "";
  #watcher: FSWatcher | undefined;
  #poll: NodeJS.Timeout | undefined;
  #debounce: NodeJS.Timeout | undefined;
  #loading: Promise<void> | undefined;
  #again = false;
  #closed = false;

  private constructor(options: FilePolicySourceOptions) {
    this.#path = resolve(options.path);
    this.#gatewayId = options.gatewayId;
    this.#log = options.logger;
    this.#debounceMs = options.debounceMs ?? 50;
  }

  static async open(options: FilePolicySourceOptions): Promise<FilePolicySource> {
    const source = new FilePolicySource(options);
    await source.#reload();
    source.#watch(options.pollMs ?? 500);
    return source;
  }

  current(): PolicySnapshot | undefined {
    return this.#current;
  }

  subscribe(listener: (snapshot: PolicySnapshot) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#watcher?.close();
    if (this.#poll) clearInterval(this.#poll);
    if (this.#debounce) clearTimeout(this.#debounce);
    await this.#loading;
  }

  #watch(pollMs: number): void {
    const name = basename(this.#path);
    try {
      this.#watcher = watch(dirname(this.#path), { persistent: false }, (_event, filename) => {
        if (filename === null || filename === name) this.#schedule();
      });
      this.#watcher.on("error", (error) => {
        this.#log(`policy: watching \`${this.#path}\` failed (${error.message}); polling instead`);
        this.#watcher?.close();
        this.#watcher = undefined;
      });
    } catch (error) {
      this.#log(`policy: cannot watch \`${this.#path}\` (${(error as Error).message}); polling instead`);
    }
    this.#poll = setInterval(() => void this.#pollOnce(), pollMs);
    this.#poll.unref();
  }

  async #pollOnce(): Promise<void> {
    try {
      const stamp = await fileStamp(this.#path);
      if (stamp !== this.#stamp) this.#schedule();
    } catch (error) {
      this.#logOnce(`policy: cannot stat \`${this.#path}\`: ${(error as Error).message}`);
    }
  }

  #logOnce(line: string): void {
    if (line === this.#lastLogged) return;
    this.#lastLogged = line;
    this.#log(line);
  }

  #schedule(): void {
    if (this.#closed) return;
    if (this.#debounce) clearTimeout(this.#debounce);
    this.#debounce = setTimeout(() => {
      this.#debounce = undefined;
      if (this.#loading) {
        this.#again = true;
        return;
      }
      this.#loading = this.#reload().finally(() => {
        this.#loading = undefined;
        if (this.#again) {
          this.#again = false;
          this.#schedule();
        }
      });
    }, this.#debounceMs);
  }

  async #reload(): Promise<void> {
    try {
      this.#stamp = await fileStamp(this.#path);
    } catch (error) {
      this.#logOnce(`policy: cannot stat \`${this.#path}\`: ${(error as Error).message}`);
    }
    const loaded = await loadPolicyFile(this.#path, { gatewayId: this.#gatewayId });
    if (this.#closed) return;
    if (!loaded.ok) {
      const why = describeLoadErrors(loaded.errors);
      this.#logOnce(
        this.#current
          ? `policy: \`${this.#path}\` is invalid, keeping version ${this.#current.version}: ${why}`
          : `policy: \`${this.#path}\` is invalid, every request is refused (503 no_policy): ${why}`,
      );
      return;
    }
    this.#lastLogged = undefined;
    if (this.#current?.version === loaded.version) return;
    const credentials = await resolveCredentials(loaded.document, loaded.baseDir);
    for (const [name, c] of credentials) if (!c.ok) this.#log(`policy: connector \`${name}\`: ${c.message}`);
    const snapshot: PolicySnapshot = {
      version: loaded.version,
      document: loaded.document,
      compiled: loaded.compiled,
      registry: loaded.registry,
      credentials,
      upstreamCaPem: loaded.upstreamCaPem,
    };
    const first = this.#current === undefined;
    this.#current = snapshot;
    this.#log(`policy: ${first ? "loaded" : "reloaded"} \`${this.#path}\` version ${snapshot.version}`);
    for (const listener of this.#listeners) listener(snapshot);
  }
}

async function fileStamp(path: string): Promise<string> {
  try {
    const s = await stat(path);
    return `${s.ino}:${s.size}:${s.mtimeMs}`;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return "";
    throw error;
  }
}
