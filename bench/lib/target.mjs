// The fake upstream for proxy benchmarks: a keep-alive HTTPS server answering a
// small JSON body, in its own process so it has its own event loop.

import { readFileSync } from "node:fs";
import https from "node:https";

const [certPath, keyPath] = process.argv.slice(2);
const body = Buffer.from('{"ok":true,"items":[1,2,3]}');
const server = https.createServer(
  { cert: readFileSync(certPath), key: readFileSync(keyPath), keepAliveTimeout: 60_000 },
  (req, res) => {
    req.resume();
    res.writeHead(200, { "content-type": "application/json", "content-length": body.length });
    res.end(body);
  },
);
server.listen(0, "127.0.0.1", () => {
  process.stdout.write(`${JSON.stringify({ port: server.address().port })}\n`);
});
process.on("SIGTERM", () => server.close(() => process.exit(0)));
