import type { IncomingMessage } from "node:http";
import { createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";

/** What the doctor's target saw of one probe's request. */
export interface SeenRequest {
  probe: string;
  agent: string | undefined;
  authorization: string | undefined;
}

export interface DoctorTarget {
  port: number;
  seen: Map<string, SeenRequest>;
  close(): Promise<void>;
}

function pkt(line: string): string {
  return `${(line.length + 4).toString(16).padStart(4, "0")}${line}`;
}

/** An empty repository's smart-HTTP advertisement: enough for `git ls-remote` to succeed. */
export const emptyRepoAdvertisement = [
  pkt("# service=git-upload-pack\n"),
  "0000",
  pkt(`${"0".repeat(40)} capabilities^{}\u0000agent=tf-doctor\n`),
  "0000",
].join("");

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * A loopback HTTPS server standing in for an upstream API. `/tf-doctor/<probe>` answers
 * JSON; `/tf-doctor/git/info/refs` answers like an empty git repository. It records what
 * arrived so the doctor can tell a request that went through the gateway (agent header and
 * injected credential present) from one that did not.
 */
export async function startDoctorTarget(tls: { certPem: string; keyPem: string }): Promise<DoctorTarget> {
  const seen = new Map<string, SeenRequest>();
  const server: Server = createServer({ cert: tls.certPem, key: tls.keyPem }, (req, res) => {
    const url = new URL(req.url ?? "/", "https://doctor.tameflare.test");
    const match = /^\/tf-doctor\/([A-Za-z0-9_-]+)/.exec(url.pathname);
    const probe = match?.[1];
    if (probe === undefined) {
      res.writeHead(404, { "content-type": "application/json" }).end('{"ok":false}');
      return;
    }
    seen.set(probe, {
      probe,
      agent: header(req, "x-tameflare-agent"),
      authorization: header(req, "authorization"),
    });
    if (url.pathname.endsWith("/info/refs")) {
      res.writeHead(200, {
        "content-type": "application/x-git-upload-pack-advertisement",
        "cache-control": "no-cache",
      });
      res.end(emptyRepoAdvertisement);
      return;
    }
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ ok: true, probe }));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    seen,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
