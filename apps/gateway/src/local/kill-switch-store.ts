import { randomBytes } from "node:crypto";
import { readFileSync, statSync } from "node:fs";
import { mkdir, rm, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { type KillSwitch, type KillSwitchScope, killSwitchSchema, makeId } from "@tameflare/contracts";
import { z } from "zod";
import { readJsonIfExists, writeJsonAtomic } from "./fs-util.ts";

const fileSchema = z.object({ switches: z.array(killSwitchSchema) });

export function killSwitchesPath(tfHome: string): string {
  return join(tfHome, "kill-switches.json");
}

/** The local kill switches (`<tfHome>/kill-switches.json`); none when the file is absent. */
export async function readKillSwitches(tfHome: string): Promise<KillSwitch[]> {
  const raw = await readJsonIfExists(killSwitchesPath(tfHome));
  if (raw === undefined) return [];
  const parsed = fileSchema.safeParse(raw);
  if (!parsed.success) {
    throw new Error(`kill switches: \`${killSwitchesPath(tfHome)}\` is malformed: ${parsed.error.message}`);
  }
  return parsed.data.switches;
}

/** Adds a kill switch (id and activation time filled in when absent). Atomic for readers. */
export async function activateKillSwitch(tfHome: string, ks: KillSwitch): Promise<void> {
  const entry = killSwitchSchema.parse({
    ...ks,
    id: ks.id ?? makeId("killSwitch", randomBytes(12)),
    activated_at: ks.activated_at ?? new Date().toISOString(),
  });
  await withLock(tfHome, async () => {
    const switches = await readKillSwitches(tfHome);
    await writeJsonAtomic(killSwitchesPath(tfHome), { switches: [...switches, entry] }, 0o644);
  });
}

/**
 * Removes kill switches: all of them without arguments, all of a scope with `scope`, the
 * ones of a scope and target with both. Returns how many were removed.
 */
export async function deactivateKillSwitch(
  tfHome: string,
  scope?: KillSwitchScope,
  target?: string,
): Promise<number> {
  return withLock(tfHome, async () => {
    const switches = await readKillSwitches(tfHome);
    const keep = switches.filter(
      (s) => !(scope === undefined || (s.scope === scope && (target === undefined || s.target === target))),
    );
    const removed = switches.length - keep.length;
    if (removed > 0) await writeJsonAtomic(killSwitchesPath(tfHome), { switches: keep }, 0o644);
    return removed;
  });
}

const lockStaleMs = 10_000;
const lockWaitMs = 5_000;

/** Serialises read-modify-write of the file between `tf kill` / `tf resume` processes. */
async function withLock<T>(tfHome: string, fn: () => Promise<T>): Promise<T> {
  await mkdir(tfHome, { recursive: true, mode: 0o700 });
  const lock = join(tfHome, "kill-switches.lock");
  const deadline = Date.now() + lockWaitMs;
  for (;;) {
    try {
      await writeFile(lock, String(process.pid), { flag: "wx" });
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      const info = await stat(lock).catch(() => undefined);
      if (info && Date.now() - info.mtimeMs > lockStaleMs) await rm(lock, { force: true });
      if (Date.now() > deadline) throw new Error(`kill switches: \`${lock}\` is held by another process`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
  try {
    return await fn();
  } finally {
    await rm(lock, { force: true });
  }
}

/**
 * The gateway's view of the kill-switch file. `current()` checks the file's identity
 * (one stat) on each call, so a `tf kill` applies to the very next request; the parsed
 * list is cached until the file changes.
 */
export class KillSwitchFile {
  readonly #path: string;
  #stamp = "";
  #switches: KillSwitch[] = [];
  #error: string | undefined;
  readonly #onError: (message: string) => void;

  constructor(tfHome: string, onError: (message: string) => void) {
    this.#path = killSwitchesPath(tfHome);
    this.#onError = onError;
  }

  /**
   * Current switches; a malformed file is reported once and counts as a global kill switch
   * (fail closed). One stat serves every request of the same event-loop turn (it was 4% of
   * the gateway's CPU under load, one per request): a request that reached the gateway after
   * `tf kill` returned was read from its socket after the file changed, so after any stat made
   * before it: the cached stamp is dropped in the check phase that follows each poll. (libuv
   * polls again within one phase only when more than 1,024 events are ready at once.)
   */
  current(): KillSwitch[] {
    if (this.#fresh) return this.#switches;
    this.#fresh = true;
    setImmediate(this.#expire);
    const info = statSync(this.#path, { throwIfNoEntry: false, bigint: false });
    const stamp = info ? `${info.ino}:${info.size}:${info.mtimeMs}` : "";
    if (stamp !== this.#stamp) this.#reload(stamp);
    return this.#switches;
  }

  #fresh = false;
  readonly #expire = (): void => {
    this.#fresh = false;
  };

  #reload(stamp: string): void {
    this.#stamp = stamp;
    if (stamp === "") {
      this.#switches = [];
      this.#error = undefined;
      return;
    }
    const result = readSwitchesSync(this.#path);
    if (result.ok) {
      this.#switches = result.switches;
      this.#error = undefined;
      return;
    }
    if (this.#error !== result.message) this.#onError(result.message);
    this.#error = result.message;
    this.#switches = [{ scope: "global", id: "ks_malformedfile", reason: result.message }];
  }
}

function readSwitchesSync(
  path: string,
): { ok: true; switches: KillSwitch[] } | { ok: false; message: string } {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, "utf8")) as unknown;
  } catch (error) {
    // Removed between the stat and the read: no switches (the next stat sees it gone).
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return { ok: true, switches: [] };
    return { ok: false, message: `kill switches: \`${path}\` is unreadable: ${(error as Error).message}` };
  }
  const parsed = fileSchema.safeParse(raw);
  if (!parsed.success) return { ok: false, message: `kill switches: \`${path}\` is malformed` };
  return { ok: true, switches: parsed.data.switches };
}
