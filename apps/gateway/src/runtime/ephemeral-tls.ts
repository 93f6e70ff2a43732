import { webcrypto } from "node:crypto";
import { isIP } from "node:net";
import * as x509 from "@peculiar/x509";

x509.cryptoProvider.set(webcrypto as unknown as Crypto);

const p256 = { name: "ECDSA", namedCurve: "P-256" } as const;
const sha256 = { name: "ECDSA", hash: "SHA-256" } as const;
const dayMs = 24 * 3600 * 1000;

/** A throwaway CA and one server certificate signed by it, all PEM. */
export interface EphemeralTls {
  caPem: string;
  certPem: string;
  keyPem: string;
}

/**
 * Mints a CA and a server certificate for `hosts` (DNS names and IPs) in memory. For
 * stand-in upstreams (`tf doctor`'s target, test doubles): the CA goes to the policy
 * document's `upstream_ca`, so the gateway verifies the stand-in like any upstream.
 */
export async function mintEphemeralTls(
  hosts: readonly string[],
  label = "TameFlare test",
): Promise<EphemeralTls> {
  const now = Date.now();
  const caKeys = (await webcrypto.subtle.generateKey(p256, true, ["sign", "verify"])) as CryptoKeyPair;
  const ca = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name: `CN=${label} CA`,
    notBefore: new Date(now - dayMs),
    notAfter: new Date(now + 7 * dayMs),
    keys: caKeys,
    signingAlgorithm: sha256,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign, true),
      await x509.SubjectKeyIdentifierExtension.create(caKeys.publicKey),
    ],
  });
  const leafKeys = (await webcrypto.subtle.generateKey(p256, true, ["sign", "verify"])) as CryptoKeyPair;
  const leaf = await x509.X509CertificateGenerator.create({
    serialNumber: serial(),
    subject: `CN=${hosts[0] ?? "localhost"}`,
    issuer: ca.subject,
    notBefore: new Date(now - dayMs),
    notAfter: new Date(now + 7 * dayMs),
    publicKey: leafKeys.publicKey,
    signingKey: caKeys.privateKey,
    signingAlgorithm: sha256,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension(
        hosts.map((host) => ({ type: isIP(host) !== 0 ? ("ip" as const) : ("dns" as const), value: host })),
      ),
      await x509.AuthorityKeyIdentifierExtension.create(ca),
    ],
  });
  const pkcs8 = await webcrypto.subtle.exportKey(
    "pkcs8",
    leafKeys.privateKey as unknown as webcrypto.CryptoKey,
  );
  return { caPem: ca.toString("pem"), certPem: leaf.toString("pem"), keyPem: pem(pkcs8, "PRIVATE KEY") };
}

function serial(): string {
  const bytes = webcrypto.getRandomValues(new Uint8Array(16));
  bytes[0] = (bytes[0] as number) & 0x7f;
  return Buffer.from(bytes).toString("hex");
}

function pem(der: ArrayBuffer, label: string): string {
  const lines =
    Buffer.from(der)
      .toString("base64")
      .match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join("\n")}\n-----END ${label}-----\n`;
}
