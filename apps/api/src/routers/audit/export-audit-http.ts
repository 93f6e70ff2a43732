import type http from "node:http";
import type { AuditEventRecord } from "@tameflare/contracts";
import { z } from "zod";
import type { AppDeps } from "../../deps.ts";
import { AppError, appErrorStatus } from "../../errors/app-error.ts";
import { sendJson } from "../../http/server.ts";
import { createAuditService } from "../../services/audit/audit-service.ts";
import { resolvePrincipal } from "../../trpc/context.ts";
import { listAuditInput } from "./audit-input.types.ts";

/** Columns of the CSV export, in order: every field of a stored event. */
export const auditCsvColumns = [
  "id",
  "ts",
  "gateway_id",
  "seq",
  "agent",
  "connector",
  "action_type",
  "decision",
  "enforced",
  "mode",
  "reason",
  "rule",
  "risk",
  "risk_score",
  "status",
  "latency_ms",
  "method",
  "host",
  "path",
  "request_id",
  "approval_id",
  "error_code",
  "bytes_in",
  "bytes_out",
  "prev_hash",
  "hash",
  "org_id",
  "received_at",
] as const satisfies readonly (keyof AuditEventRecord)[];

const exportQuerySchema = listAuditInput
  .omit({ cursor: true, limit: true })
  .extend({ orgId: z.string().min(1), format: z.enum(["csv", "jsonl"]).default("jsonl") });

/** One CSV field: quoted when needed; text that a spreadsheet would run as a formula is defused with `'`. */
export function csvField(value: unknown): string {
  if (value === null || value === undefined) return "";
  let text = String(value);
  if (typeof value === "string" && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

function queryObject(url: URL): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of new Set(url.searchParams.keys())) {
    const values = url.searchParams.getAll(key);
    if (key === "decision") out[key] = values.flatMap((v) => v.split(",")).filter((v) => v !== "");
    else if (key === "status") out[key] = Number(values[0]);
    // Anything but `true`/`false` stays a string, which the schema refuses with a clear 400.
    else if (key === "unreviewed")
      out[key] = values[0] === "true" ? true : values[0] === "false" ? false : values[0];
    else out[key] = values[0];
  }
  return out;
}

function fail(res: http.ServerResponse, error: AppError): void {
  sendJson(res, appErrorStatus[error.code].http, {
    error: { code: error.code, message: error.publicMessage() },
  });
}

/**
 * `GET /export/audit?orgId=…&format=csv|jsonl&gatewayId=…&from=…&to=…&agent=…&connector=…&action=…&decision=…&status=…&unreviewed=true`:
 * the events matching the filters, newest first, streamed row by row from keyset pages (the
 * result is never held in memory; a slow client slows the reads down). Signed-in members
 * (session cookie, or a personal API token of that organization) of any role.
 */
export function createAuditExportHandler(deps: AppDeps, options: { pageSize?: number } = {}) {
  const pageSize = options.pageSize ?? 1000;
  return async (req: http.IncomingMessage, res: http.ServerResponse): Promise<boolean> => {
    const url = new URL(req.url ?? "/", "http://localhost");
    if (url.pathname !== "/export/audit") return false;
    if (req.method !== "GET") {
      res.writeHead(405, { allow: "GET" }).end();
      return true;
    }
    const { principal } = await resolvePrincipal(deps, {
      authorization: req.headers.authorization,
      cookie: req.headers.cookie,
    });
    if (principal.kind !== "user") {
      fail(res, new AppError("unauthorized", "sign in first"));
      return true;
    }
    const parsed = exportQuerySchema.safeParse(queryObject(url));
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      fail(
        res,
        new AppError(
          "bad_request",
          `export: \`${issue?.path.join(".") ?? ""}\`: ${issue?.message ?? "invalid"}`,
        ),
      );
      return true;
    }
    const { orgId, format, ...filters } = parsed.data;
    const membership =
      principal.apiTokenOrgId !== null && principal.apiTokenOrgId !== orgId
        ? null
        : await deps.repos.memberships.find(orgId, principal.user.id);
    if (membership === null) {
      fail(res, new AppError("not_found", "organization not found"));
      return true;
    }

    const audit = createAuditService(deps);
    const pages = audit.pages(orgId, { ...filters, limit: pageSize });
    // Read the first page before answering, so a bad filter is still a clean 400.
    let first: IteratorResult<AuditEventRecord[]>;
    try {
      first = await pages.next();
    } catch (error) {
      if (error instanceof AppError) {
        fail(res, error);
        return true;
      }
      throw error;
    }
    const stamp = deps.clock().toISOString().replace(/[:.]/g, "-");
    res.writeHead(200, {
      "content-type": format === "csv" ? "text/csv; charset=utf-8" : "application/x-ndjson; charset=utf-8",
      "content-disposition": `attachment; filename="audit-${orgId}-${stamp}.${format}"`,
      "cache-control": "no-store",
      "x-content-type-options": "nosniff",
    });
    let closed = false;
    res.on("close", () => {
      closed = true;
    });
    const write = async (chunk: string): Promise<void> => {
      if (res.write(chunk)) return;
      await new Promise<void>((resolve) => {
        const done = () => {
          res.off("drain", done);
          res.off("close", done);
          resolve();
        };
        res.on("drain", done);
        res.on("close", done);
      });
    };
    const row = (e: AuditEventRecord) =>
      format === "csv"
        ? `${auditCsvColumns.map((c) => csvField(e[c])).join(",")}\r\n`
        : `${JSON.stringify(e)}\n`;
    try {
      if (format === "csv") await write(`${auditCsvColumns.join(",")}\r\n`);
      let page = first;
      while (!page.done && !closed) {
        for (const event of page.value) {
          if (closed) break;
          await write(row(event));
        }
        page = await pages.next();
      }
      res.end();
    } catch (cause) {
      // Headers are out: the only honest signal left is an aborted (truncated) response.
      deps.log.error("audit export failed mid-stream", cause);
      res.destroy();
    } finally {
      await pages.return(undefined);
    }
    return true;
  };
}
