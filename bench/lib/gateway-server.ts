// Starts TameFlare's gateway for the proxy benchmark with the document given,
// in its own process, and prints its port and agent credentials as one JSON line.
import { startGateway } from "../../apps/gateway/src/gateway.ts";

const [configPath, tfHome] = process.argv.slice(2);
if (!configPath || !tfHome) throw new Error("usage: gateway-server.ts CONFIG TF_HOME");
// As `tf run` runs it by default (without --verbose): no line per request.
const gateway = await startGateway({ tfHome, configPath, logger: () => {}, logRequests: false });
const agent = gateway.addAgent("bench-agent");
process.stdout.write(`${JSON.stringify({ port: gateway.port, ...agent, caCertPath: gateway.caCertPath })}\n`);
process.on("SIGTERM", () => {
  void gateway.close().then(() => process.exit(0));
});
