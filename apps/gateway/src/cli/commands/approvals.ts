import { type Command, Option } from "commander";
import { decideApproval, listApprovals } from "../../local/approvals-store.ts";
import { CliError } from "../cli-error.ts";
import type { CliContext } from "../context.ts";
import { renderTable } from "../table.ts";
import { localActor } from "../whoami.ts";

interface DecideOptions {
  note?: string;
  by?: string;
}

/** The action type of a stored approval, whether it kept the whole action or its type. */
function actionType(action: unknown): string {
  if (typeof action === "string") return action;
  if (
    action !== null &&
    typeof action === "object" &&
    typeof (action as { type?: unknown }).type === "string"
  ) {
    return (action as { type: string }).type;
  }
  return "?";
}

function relative(iso: string | undefined, nowMs: number): string {
  if (iso === undefined) return "";
  const diffS = Math.round((Date.parse(iso) - nowMs) / 1000);
  if (Number.isNaN(diffS)) return iso;
  const abs = Math.abs(diffS);
  const text =
    abs < 60 ? `${abs}s` : abs < 3600 ? `${Math.floor(abs / 60)}m${abs % 60}s` : `${Math.floor(abs / 3600)}h`;
  return diffS >= 0 ? `in ${text}` : `${text} ago`;
}

export function registerApprovals(program: Command, context: () => CliContext): void {
  const approvals = program
    .command("approvals")
    .description("list and decide requests held for a human (shared with every tf run on this machine)");

  approvals
    .command("list")
    .description("list approvals (pending ones by default)")
    .option("--all", "include decided and expired approvals")
    .option("--json", "one JSON object per line")
    .action(async (options: { all?: boolean; json?: boolean }) => {
      const ctx = context();
      const all = await listApprovals(ctx.env.tfHome);
      const shown = options.all ? all : all.filter((a) => a.status === "pending");
      if (options.json) {
        for (const approval of shown) ctx.stdout(`${JSON.stringify(approval)}\n`);
        return;
      }
      if (shown.length === 0) {
        ctx.stdout(options.all ? "No approvals.\n" : "No pending approvals.\n");
        return;
      }
      const now = Date.now();
      const rows = shown.map((a) => [
        a.id,
        a.status,
        a.agent,
        actionType(a.action),
        relative(a.created_at, now),
        a.status === "pending" ? relative(a.expires_at, now) : "",
        a.reason ?? "",
      ]);
      ctx.stdout(
        `${renderTable(["ID", "STATUS", "AGENT", "ACTION", "CREATED", "EXPIRES", "REASON"], rows)}\n`,
      );
    });

  for (const verb of ["approve", "deny"] as const) {
    approvals
      .command(`${verb} <id>`)
      .description(
        verb === "approve"
          ? "release a held request to its upstream"
          : "reject a held request (the agent gets 403)",
      )
      .option("--note <text>", "a note recorded with the decision (the agent sees it on deny)")
      .addOption(new Option("--by <name>", "who decided (default: local:<your user>)"))
      .action(async (id: string, options: DecideOptions) => {
        const ctx = context();
        if (!/^apv_[A-Za-z0-9]{8,64}$/.test(id))
          throw new CliError(`not an approval id: \`${id}\` (expected \`apv_…\`)`, 2);
        const result = await decideApproval(ctx.env.tfHome, id, {
          decision: verb === "approve" ? "approved" : "denied",
          by: options.by ?? localActor(),
          ...(options.note === undefined ? {} : { note: options.note }),
        });
        if (!result.ok) throw new CliError(result.message);
        ctx.stdout(`${verb === "approve" ? "Approved" : "Denied"} ${id}.\n`);
      });
  }
}
