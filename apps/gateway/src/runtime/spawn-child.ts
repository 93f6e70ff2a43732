import { spawn } from "node:child_process";
import { constants } from "node:os";

export interface ChildOutcome {
  /** What `tf run` exits with: the child's code, or 128 + the signal number. */
  exitCode: number;
  signal: NodeJS.Signals | null;
}

/** Exit status of a child killed by `signal`, the shell convention (SIGTERM → 143). */
export function exitCodeForSignal(signal: NodeJS.Signals): number {
  const number = constants.signals[signal] as number | undefined;
  return 128 + (number ?? 0);
}

const forwarded = ["SIGINT", "SIGTERM", "SIGHUP", "SIGQUIT", "SIGUSR1", "SIGUSR2"] as const;

/**
 * Runs the agent with `env` and inherited stdio until it exits. Signals sent to
 * `tf` are forwarded to the child, which decides when to stop. A terminal's Ctrl-C
 * already reaches the child (same foreground process group), so SIGINT is not
 * forwarded a second time when stdin is a terminal.
 */
export function runChild(command: string, args: readonly string[], env: Record<string, string>, cwd: string) {
  return new Promise<ChildOutcome>((resolvePromise, rejectPromise) => {
    const child = spawn(command, [...args], { env, cwd, stdio: "inherit" });
    const handlers = new Map<NodeJS.Signals, () => void>();
    const cleanup = () => {
      for (const [signal, handler] of handlers) process.removeListener(signal, handler);
    };
    for (const signal of forwarded) {
      const handler = () => {
        if (signal === "SIGINT" && process.stdin.isTTY) return;
        if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      };
      handlers.set(signal, handler);
      process.on(signal, handler);
    }
    child.once("error", (error: NodeJS.ErrnoException) => {
      cleanup();
      const reason =
        error.code === "ENOENT"
          ? `command not found: \`${command}\``
          : error.code === "EACCES"
            ? `permission denied: \`${command}\``
            : `could not start \`${command}\`: ${error.message}`;
      rejectPromise(new Error(reason, { cause: error }));
    });
    child.once("exit", (code, signal) => {
      cleanup();
      resolvePromise({ exitCode: signal !== null ? exitCodeForSignal(signal) : (code ?? 1), signal });
    });
  });
}
