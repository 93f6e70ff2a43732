import { readFile, writeFile } from "node:fs/promises";
import { resolve } from "node:path";
import type { Command } from "commander";
import { ensureCa } from "../../tls/ca.ts";
import type { CliContext } from "../context.ts";

export function registerCa(program: Command, context: () => CliContext): void {
  const ca = program
    .command("ca")
    .description(
      "the gateway's certificate authority (created on first use; its key never leaves this machine)",
    );
  ca.command("path")
    .description("print the path of the CA certificate (PEM)")
    .action(async () => {
      const ctx = context();
      const { certPath } = await ensureCa(ctx.env.tfHome);
      ctx.stdout(`${certPath}\n`);
    });
  ca.command("export")
    .description("print the CA certificate (PEM), e.g. to add it to a trust store")
    .option("-o, --out <file>", "write it to a file instead")
    .action(async (options: { out?: string }) => {
      const ctx = context();
      const { certPath } = await ensureCa(ctx.env.tfHome);
      const pem = await readFile(certPath, "utf8");
      if (options.out === undefined) {
        ctx.stdout(pem.endsWith("\n") ? pem : `${pem}\n`);
        return;
      }
      const out = resolve(ctx.env.cwd, options.out);
      await writeFile(out, pem, { mode: 0o644 });
      ctx.stdout(`${out}\n`);
    });
}
