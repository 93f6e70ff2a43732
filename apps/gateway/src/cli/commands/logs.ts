import { type AuditEvent, auditOutcomes } from "@tameflare/contracts";
import { type Command, InvalidArgumentError, Option } from "commander";
import { followAuditEvents, readAuditEvents } from "../../audit/spool.ts";
import type { CliContext } from "../context.ts";
import { parseSince } from "../duration.ts";
import { logLine, logTable } from "../log-format.ts";

interface LogsOptions {
  follow?: boolean;
  json?: boolean;
  decision?: AuditEvent["decision"];
  action?: string;
  agent?: string;
  since?: number;
  limit?: number;
}

function since(value: string): number {
  const parsed = parseSince(value, Date.now());
  if (!parsed.ok) throw new InvalidArgumentError(parsed.message);
  return parsed.ms;
}

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError("expected a positive integer");
  return n;
}

export function registerLogs(program: Command, context: () => CliContext): void {
  program
    .command("logs")
    .description("the audit trail of every gateway on this machine, oldest first")
    .option("-f, --follow", "keep printing new events until Ctrl-C")
    .option("--json", "one AuditEvent JSON object per line")
    .addOption(new Option("--decision <decision>", "only this outcome").choices(auditOutcomes))
    .option("--action <glob>", "only action types matching, e.g. `github.pr.*`")
    .option("--agent <name>", "only this agent")
    .option("--since <duration>", "only events newer than this: `15m`, `2h`, `1d` or an iso timestamp", since)
    .option("-n, --limit <count>", "only the last <count> events (before following)", positiveInt)
    .action(async (options: LogsOptions) => {
      const ctx = context();
      const filter = {
        ...(options.decision === undefined ? {} : { decision: options.decision }),
        ...(options.action === undefined ? {} : { action: options.action }),
        ...(options.agent === undefined ? {} : { agent: options.agent }),
        ...(options.since === undefined ? {} : { since: new Date(options.since) }),
      };
      const print = (event: AuditEvent) =>
        ctx.stdout(`${options.json ? JSON.stringify(event) : logLine(event)}\n`);
      if (options.follow) {
        const abort = new AbortController();
        // The spool watcher does not hold the process open (a gateway must exit when closed);
        // following does, until Ctrl-C.
        const keepAlive = setInterval(() => undefined, 60_000);
        const stop = () => abort.abort();
        process.once("SIGINT", stop);
        process.once("SIGTERM", stop);
        try {
          const backlog: AuditEvent[] = [];
          for await (const event of readAuditEvents(ctx.env.tfHome, filter)) backlog.push(event);
          for (const event of options.limit === undefined ? backlog : backlog.slice(-options.limit))
            print(event);
          const after = backlog.at(-1);
          const followFilter = after === undefined ? filter : { ...filter, since: new Date(after.ts) };
          const seen = new Set(backlog.map((e) => e.id));
          for await (const event of followAuditEvents(ctx.env.tfHome, followFilter, abort.signal)) {
            if (seen.has(event.id)) continue;
            print(event);
          }
        } finally {
          clearInterval(keepAlive);
          process.removeListener("SIGINT", stop);
          process.removeListener("SIGTERM", stop);
        }
        return;
      }
      const events: AuditEvent[] = [];
      for await (const event of readAuditEvents(ctx.env.tfHome, filter)) events.push(event);
      const shown = options.limit === undefined ? events : events.slice(-options.limit);
      if (options.json) {
        for (const event of shown) print(event);
        return;
      }
      if (shown.length === 0) {
        ctx.stdout("No audit events yet (they appear as `tf run` governs requests).\n");
        return;
      }
      ctx.stdout(`${logTable(shown)}\n`);
    });
}
