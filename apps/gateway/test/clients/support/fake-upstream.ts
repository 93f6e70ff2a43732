import { spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import type { IncomingMessage, ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { mintEphemeralTls } from "../../../src/runtime/ephemeral-tls.ts";

/** What the fake upstream saw of one request (the test asserts on credentials here). */
export interface SeenRequest {
  method: string;
  host: string | undefined;
  path: string;
  authorization: string | undefined;
  agent: string | undefined;
  headers: IncomingMessage["headers"];
}

export interface FakeUpstream {
  port: number;
  /** PEM file of the test CA that signed the fake's `localhost` certificate (the document's `upstream_ca`). */
  caFile: string;
  seen: SeenRequest[];
  close(): Promise<void>;
}

const gitPath = /^\/[^/]+\/[^/]+\.git\/(info\/refs|git-upload-pack|git-receive-pack)$/;

/**
 * A fake upstream API on loopback HTTPS (certificate for `localhost` from a fresh test CA).
 * Git smart-HTTP paths are served by `git http-backend` (CGI) over the bare repositories
 * in `gitRoot`; everything else answers `{ok, method, path}` JSON.
 */
export async function startFakeUpstream(options: { gitRoot?: string } = {}): Promise<FakeUpstream> {
  const tls = await mintEphemeralTls(["localhost", "127.0.0.1"], "fake upstream");
  const dir = await mkdtemp(join(tmpdir(), "tf-fake-"));
  const caFile = join(dir, "upstream-ca.pem");
  await writeFile(caFile, tls.caPem);
  const seen: SeenRequest[] = [];
  const handler = (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? "/", "https://fake.invalid");
    const one = (name: string) => {
      const v = req.headers[name];
      return Array.isArray(v) ? v[0] : v;
    };
    seen.push({
      method: req.method ?? "GET",
      host: one("host"),
      path: `${url.pathname}${url.search}`,
      authorization: one("authorization"),
      agent: one("x-tameflare-agent"),
      headers: req.headers,
    });
    if (options.gitRoot !== undefined && gitPath.test(url.pathname)) {
      gitBackend(options.gitRoot, req, res, url);
      return;
    }
    const body = JSON.stringify({ ok: true, method: req.method, path: url.pathname });
    req.resume();
    req.on("end", () => res.writeHead(200, { "content-type": "application/json" }).end(body));
  };
  const server = createHttpsServer({ cert: tls.certPem, key: tls.keyPem }, handler);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as AddressInfo).port,
    caFile,
    seen,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Runs `git http-backend` as a CGI for one request and streams its answer back. */
function gitBackend(root: string, req: IncomingMessage, res: ServerResponse, url: URL): void {
  const header = (name: string) => {
    const v = req.headers[name];
    return Array.isArray(v) ? v.join(", ") : (v ?? "");
  };
  const child = spawn("git", ["http-backend"], {
    env: {
      PATH: "/usr/bin:/bin",
      GIT_PROJECT_ROOT: root,
      GIT_HTTP_EXPORT_ALL: "1",
      REQUEST_METHOD: req.method ?? "GET",
      PATH_INFO: url.pathname,
      QUERY_STRING: url.search.slice(1),
      CONTENT_TYPE: header("content-type"),
      HTTP_CONTENT_ENCODING: header("content-encoding"),
      GIT_PROTOCOL: header("git-protocol"),
      REMOTE_ADDR: "127.0.0.1",
      REMOTE_USER: "fake",
    },
    stdio: ["pipe", "pipe", "inherit"],
  });
  req.pipe(child.stdin);
  let head = Buffer.alloc(0);
  let headersDone = false;
  child.stdout.on("data", (chunk: Buffer) => {
    if (headersDone) {
      res.write(chunk);
      return;
    }
    head = Buffer.concat([head, chunk]);
    const end = head.indexOf("\r\n\r\n");
    if (end === -1) return;
    headersDone = true;
    let status = 200;
    const headers: Record<string, string> = {};
    for (const line of head.subarray(0, end).toString("latin1").split("\r\n")) {
      const colon = line.indexOf(":");
      if (colon === -1) continue;
      const name = line.slice(0, colon).trim();
      const value = line.slice(colon + 1).trim();
      if (name.toLowerCase() === "status") status = Number.parseInt(value, 10);
      else headers[name] = value;
    }
    res.writeHead(status, headers);
    res.write(head.subarray(end + 4));
  });
  child.stdout.on("end", () => res.end());
  child.on("error", (error) => {
    res.writeHead(500).end(String(error));
  });
}
