import { randomBytes } from "node:crypto";
import { mkdir, readdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { z } from "zod";

/** `TF_HOME/runs/<pid>.json`: one per running gateway (removed on clean exit). */
export const runRecordSchema = z.object({
  pid: z.number().int().positive(),
  port: z.number().int(),
  agent: z.string().optional(),
  config: z.string().optional(),
  started_at: z.string(),
  gateway_id: z.string(),
});
export type RunRecord = z.infer<typeof runRecordSchema>;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** The gateways running now; records of dead processes and unreadable files are skipped. */
export async function readRunningGateways(tfHome: string): Promise<RunRecord[]> {
  const dir = join(tfHome, "runs");
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw error;
  }
  const records: RunRecord[] = [];
  for (const name of names.filter((n) => /^\d+\.json$/.test(n)).sort()) {
    let text: string;
    try {
      text = await readFile(join(dir, name), "utf8");
    } catch (error) {
      // Removed between readdir and read: that gateway just exited.
      if ((error as NodeJS.ErrnoException).code === "ENOENT") continue;
      throw error;
    }
    const parsed = runRecordSchema.safeParse(safeJson(text));
    if (parsed.success && alive(parsed.data.pid)) records.push(parsed.data);
  }
  return records;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    // A half-written record reads as absent; the next `tf status` sees it whole.
    if (error instanceof SyntaxError) return undefined;
    throw error;
  }
}

/** Records this process's gateway for `tf status` (temp file + rename: readers never see half). */
export async function writeRunRecord(tfHome: string, record: RunRecord): Promise<void> {
  const dir = join(tfHome, "runs");
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const temp = join(dir, `.${record.pid}.${randomBytes(4).toString("hex")}.tmp`);
  await writeFile(temp, `${JSON.stringify(record)}\n`, { mode: 0o644 });
  await rename(temp, join(dir, `${record.pid}.json`));
}

/** Removes the record on a clean exit (a crash leaves it; `tf status` skips dead pids). */
export async function removeRunRecord(tfHome: string, pid: number): Promise<void> {
  await rm(join(tfHome, "runs", `${pid}.json`), { force: true });
}
