import { randomBytes, webcrypto } from "node:crypto";
import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { hostname } from "node:os";
import { join } from "node:path";
import * as x509 from "@peculiar/x509";

x509.cryptoProvider.set(webcrypto as unknown as Crypto);

export const ecdsaP256 = { name: "ECDSA", namedCurve: "P-256" } as const;
export const ecdsaSha256 = { name: "ECDSA", hash: "SHA-256" } as const;

export interface CaFiles {
  certPath: string;
  keyPath: string;
  certPem: string;
}

/** The CA loaded for signing leaves (the key stays in this process's memory). */
export interface LoadedCa extends CaFiles {
  cert: x509.X509Certificate;
  key: CryptoKey;
}

const tenYearsMs = 10 * 365 * 24 * 3600 * 1000;

/**
 * Returns the gateway's CA under `<tfHome>/ca/`, creating it on first use (ECDSA P-256,
 * key file 0600, directory 0700). Several processes may race on first use: each builds
 * its CA in a private directory and renames it into place; the loser adopts the winner's.
 */
export async function ensureCa(tfHome: string): Promise<CaFiles> {
  const { certPath, keyPath, certPem } = await ensureCaLoaded(tfHome);
  return { certPath, keyPath, certPem };
}

/** Like `ensureCa`, with the parsed certificate and the signing key. */
export async function ensureCaLoaded(tfHome: string): Promise<LoadedCa> {
  const dir = join(tfHome, "ca");
  const certPath = join(dir, "ca.crt");
  const keyPath = join(dir, "ca.key");
  const existing = await readCa(certPath, keyPath);
  if (existing) return existing;

  await mkdir(tfHome, { recursive: true, mode: 0o700 });
  const tmp = join(tfHome, `.ca-${process.pid}-${randomBytes(6).toString("hex")}`);
  await mkdir(tmp, { mode: 0o700 });
  try {
    const { certPem, keyPem } = await generateCa();
    await writeFile(join(tmp, "ca.key"), keyPem, { mode: 0o600 });
    await writeFile(join(tmp, "ca.crt"), certPem, { mode: 0o644 });
    try {
      await rename(tmp, dir);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== "ENOTEMPTY" && code !== "EEXIST") throw error;
    }
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
  const created = await readCa(certPath, keyPath);
  if (!created) throw new Error(`ca: \`${dir}\` holds no usable ca.crt and ca.key`);
  return created;
}

async function readCa(certPath: string, keyPath: string): Promise<LoadedCa | undefined> {
  let certPem: string;
  let keyPem: string;
  try {
    [certPem, keyPem] = await Promise.all([readFile(certPath, "utf8"), readFile(keyPath, "utf8")]);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
  const cert = new x509.X509Certificate(certPem);
  const key = await webcrypto.subtle.importKey("pkcs8", pemBody(keyPem), ecdsaP256, false, ["sign"]);
  return { certPath, keyPath, certPem, cert, key: key as unknown as CryptoKey };
}

async function generateCa(): Promise<{ certPem: string; keyPem: string }> {
  const keys = (await webcrypto.subtle.generateKey(ecdsaP256, true, ["sign", "verify"])) as CryptoKeyPair;
  const now = Date.now();
  const name = `CN=TameFlare gateway CA (${escapeDn(hostname())}), O=TameFlare`;
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomSerial(),
    name,
    notBefore: new Date(now - 24 * 3600 * 1000),
    notAfter: new Date(now + tenYearsMs),
    keys,
    signingAlgorithm: ecdsaSha256,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  const pkcs8 = await webcrypto.subtle.exportKey("pkcs8", keys.privateKey as unknown as webcrypto.CryptoKey);
  return { certPem: cert.toString("pem"), keyPem: toPem(pkcs8, "PRIVATE KEY") };
}

export function randomSerial(): string {
  const bytes = webcrypto.getRandomValues(new Uint8Array(16));
  bytes[0] = (bytes[0] as number) & 0x7f; // positive INTEGER
  return Buffer.from(bytes).toString("hex");
}

export function toPem(der: ArrayBuffer, label: string): string {
  const b64 = Buffer.from(der).toString("base64");
  const lines = b64.match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join("\n")}\n-----END ${label}-----\n`;
}

function pemBody(pem: string): Buffer {
  const b64 = pem.replace(/-----(BEGIN|END) [A-Z ]+-----/g, "").replace(/\s+/g, "");
  return Buffer.from(b64, "base64");
}

function escapeDn(value: string): string {
  return value.replace(/[,+"\\<>;=]/g, "_").slice(0, 48);
}
