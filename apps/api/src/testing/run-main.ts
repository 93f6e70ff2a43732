import { type ChildProcess, spawn } from "node:child_process";
import { createRequire } from "node:module";
import { fileURLToPath, pathToFileURL } from "node:url";

const mainTs = fileURLToPath(new URL("../main.ts", import.meta.url));
const tsxLoader = pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href;

export interface MainProcess {
  process: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** The exit code (null when killed by a signal). */
  exited: Promise<number | null>;
}

/** Runs the API's `main.ts` (through tsx) with exactly `env` (nothing inherited), capturing its output. */
export function runMain(args: string[], env: Record<string, string>, nodeArgs: string[] = []): MainProcess {
  let out = "";
  let err = "";
  const child = spawn(process.execPath, [...nodeArgs, "--import", tsxLoader, mainTs, ...args], {
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout?.on("data", (c: Buffer) => {
    out += c.toString();
  });
  child.stderr?.on("data", (c: Buffer) => {
    err += c.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return { process: child, stdout: () => out, stderr: () => err, exited };
}
