import type { Action, ParseResult, RequestSnapshot } from "@tameflare/contracts";
import { failure, single } from "../../util/actions.ts";
import { headerValue, queryValue } from "../../util/body.ts";
import { refKind } from "./routes.ts";

/** A git smart-HTTP request: which repository and which service. */
export interface GitRequest {
  owner: string;
  repo: string;
  service: "git-upload-pack" | "git-receive-pack";
  /** `advertise`: GET `info/refs`; `rpc`: the POST carrying the commands. */
  phase: "advertise" | "rpc";
}

const SERVICES = new Set(["git-upload-pack", "git-receive-pack"]);

/**
 * Recognises git smart-HTTP paths: `/{owner}/{repo}[.git]/info/refs?service=…`
 * and `/{owner}/{repo}[.git]/git-upload-pack|git-receive-pack`. Owner and
 * repository are lower-cased (GitHub treats them case-insensitively) and the
 * `.git` suffix is dropped.
 */
export function gitRequestOf(
  method: string,
  segments: readonly string[],
  query: Record<string, string | string[]>,
): GitRequest | undefined {
  const m = method.toUpperCase();
  let service: string | undefined;
  let phase: GitRequest["phase"];
  // Compared case-insensitively: a server that routes `INFO/REFS` must not see a
  // push this connector took for an unknown API call.
  if (
    segments.length === 4 &&
    segments[2]?.toLowerCase() === "info" &&
    segments[3]?.toLowerCase() === "refs" &&
    (m === "GET" || m === "HEAD")
  ) {
    // Without `service` this is the dumb protocol's ref listing: a fetch.
    service = (queryValue(query, "service") ?? "git-upload-pack").toLowerCase();
    phase = "advertise";
  } else if (segments.length === 3 && m === "POST") {
    service = segments[2]?.toLowerCase();
    phase = "rpc";
  } else {
    return undefined;
  }
  if (service === undefined || !SERVICES.has(service)) return undefined;
  const owner = (segments[0] as string).toLowerCase();
  const rawRepo = (segments[1] as string).toLowerCase();
  const repo = rawRepo.endsWith(".git") ? rawRepo.slice(0, -4) : rawRepo;
  if (owner === "" || repo === "") return undefined;
  return { owner, repo, service: service as GitRequest["service"], phase };
}

/** One ref update of a push. */
export interface RefUpdate {
  oldSha: string;
  newSha: string;
  /** Full ref name, `refs/heads/main`. */
  ref: string;
}

// Hex is matched case-insensitively because git's own parser accepts upper case.
const COMMAND = /^([0-9a-fA-F]{40}|[0-9a-fA-F]{64}) ([0-9a-fA-F]{40}|[0-9a-fA-F]{64}) (refs\/\S+)$/;
const ZERO = /^0+$/;

/** At most this many ref updates are read from one push. */
export const maxRefUpdates = 1000;

/**
 * Reads the ref-update commands at the start of a `git-receive-pack` request
 * body: pkt-lines up to the first flush (`0000`), each `old new ref` (the
 * first with `\0capabilities`). `shallow` lines and the non-command lines of
 * a push certificate are skipped; any other line is refused, as git refuses
 * it, so no command can hide behind one. The pack that follows is never read.
 * Lengths count UTF-8 bytes, as the body prefix arrives decoded; a replacement
 * character (an undecodable byte) is refused because it would shift them.
 */
export function parseReceivePack(
  text: string,
  truncated: boolean,
): { ok: true; updates: RefUpdate[] } | { ok: false; code: "body_truncated" | "bad_body"; message: string } {
  const short = truncated
    ? ({
        ok: false,
        code: "body_truncated",
        message: "the push commands exceed the inspected prefix",
      } as const)
    : ({ ok: false, code: "bad_body", message: "the push request ends inside its commands" } as const);
  const updates: RefUpdate[] = [];
  let inCertificate = false;
  let i = 0;
  for (;;) {
    if (i + 4 > text.length) return short;
    const head = text.slice(i, i + 4);
    if (!/^[0-9a-fA-F]{4}$/.test(head))
      return { ok: false, code: "bad_body", message: "the push request is not pkt-line encoded" };
    const length = Number.parseInt(head, 16);
    i += 4;
    if (length === 0) return { ok: true, updates };
    if (length < 4) continue; // delimiter / response-end packets
    let bytes = length - 4;
    const start = i;
    while (bytes > 0 && i < text.length) {
      const c = text.charCodeAt(i);
      if (c === 0xfffd)
        return { ok: false, code: "bad_body", message: "the push commands are not valid UTF-8" };
      if (c < 0x80) bytes -= 1;
      else if (c < 0x800) bytes -= 2;
      else if (c >= 0xd800 && c <= 0xdbff) {
        bytes -= 4;
        i++;
      } else bytes -= 3;
      i++;
    }
    if (bytes > 0) return short;
    let line = text.slice(start, i);
    const nul = line.indexOf("\0");
    if (nul !== -1) line = line.slice(0, nul);
    if (line.endsWith("\n")) line = line.slice(0, -1);
    const m = COMMAND.exec(line);
    if (m !== null) {
      if (updates.length >= maxRefUpdates) {
        return { ok: false, code: "bad_body", message: `the push updates more than ${maxRefUpdates} refs` };
      }
      updates.push({
        oldSha: (m[1] as string).toLowerCase(),
        newSha: (m[2] as string).toLowerCase(),
        ref: m[3] as string,
      });
    } else if (line === "push-cert") {
      inCertificate = true;
    } else if (line === "push-cert-end") {
      inCertificate = false;
    } else if (!inCertificate && !line.startsWith("shallow ")) {
      return { ok: false, code: "bad_body", message: "the push request holds a line that is not a command" };
    }
  }
}

/**
 * Actions of a git smart-HTTP request. Fetches (`git-upload-pack`) are
 * `github.repo.fetch` reads. A push (`git-receive-pack`) yields one action per
 * updated ref, so a rule on `parameters.ref` sees every ref of a multi-ref
 * push: deleting a branch or tag is `github.branch.delete` / `github.tag.delete`
 * (high, exactly as through the API), anything else `github.repo.push` with
 * `ref`, `branch` or `tag`, `old_sha`, `new_sha` and `create`. The ref
 * advertisement before a push (GET `info/refs?service=git-receive-pack`) and a
 * push without commands are one `github.repo.push` without a ref.
 * A compressed push body cannot be read and is refused (`bad_body`).
 */
export function gitActions(git: GitRequest, request: RequestSnapshot, connector: string): ParseResult {
  const resource = `repos/${git.owner}/${git.repo}`;
  // Built by assignment: object spreads plus literal keys are slow in V8.
  const params = (extra?: Record<string, unknown>): Record<string, unknown> => {
    const out: Record<string, unknown> = { owner: git.owner, repo: git.repo };
    if (extra !== undefined) for (const key in extra) out[key] = extra[key];
    return out;
  };
  if (git.service === "git-upload-pack") {
    return single({
      type: "github.repo.fetch",
      connector,
      resource,
      parameters: params(),
      risk: "low",
      read: true,
    });
  }
  const push = (extra?: Record<string, unknown>): Action => ({
    type: "github.repo.push",
    connector,
    resource,
    parameters: params(extra),
    risk: "medium",
    read: false,
  });
  if (git.phase === "advertise") return single(push());
  const encoding = (headerValue(request, "content-encoding") ?? "identity").toLowerCase();
  if (encoding !== "identity" && encoding !== "") {
    return failure("bad_body", `a push with \`content-encoding: ${encoding}\` cannot be inspected`);
  }
  const body = request.body;
  if (body === undefined || body.text === "") return single(push());
  const parsed = parseReceivePack(body.text, body.truncated);
  if (!parsed.ok) return failure(parsed.code, parsed.message);
  if (parsed.updates.length === 0) return single(push());
  const actions = parsed.updates.map((u): Action => {
    const { kind, parameters } = refKind(u.ref);
    if (ZERO.test(u.newSha)) {
      return {
        type: kind === "ref" ? "github.ref.delete" : `github.${kind}.delete`,
        connector,
        resource,
        parameters: params(Object.assign(parameters, { old_sha: u.oldSha, via: "git" })),
        risk: "high",
        read: false,
      };
    }
    parameters.old_sha = u.oldSha;
    parameters.new_sha = u.newSha;
    parameters.create = ZERO.test(u.oldSha);
    return push(parameters);
  });
  return { ok: true, actions: actions as [Action, ...Action[]] };
}
