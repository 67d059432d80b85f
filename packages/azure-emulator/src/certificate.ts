import { randomBytes } from "node:crypto";
import { generate } from "selfsigned";
import { keyVaultDomains } from "./ids/keyVaultHost.js";

/** PEM material for the emulator's HTTPS server. `keyPem` is the leaf's private key: never log it. */
export interface EmulatorCertificates {
  /** The throwaway certificate authority that clients trust (e.g. through `NODE_EXTRA_CA_CERTS`). */
  readonly caPem: string;
  /** The server certificate, signed by the CA. */
  readonly certPem: string;
  /** The server certificate's private key. */
  readonly keyPem: string;
}

/**
 * ARM endpoints of the Azure clouds, so a client that keeps a real cloud URL and only reroutes the
 * socket to loopback (see `loopbackAgent.ts`) passes hostname verification.
 */
const armHosts = ["management.azure.com", "management.chinacloudapi.cn", "management.usgovcloudapi.net"];

/** Every name the leaf certificate is valid for. */
export const emulatorCertificateDnsNames: readonly string[] = [
  "localhost",
  ...armHosts,
  ...keyVaultDomains.map((domain) => `*.${domain}`),
];

/** Addresses the leaf certificate is valid for: the loopback interfaces the server may bind. */
export const emulatorCertificateIps: readonly string[] = ["127.0.0.1", "::1"];

// EC P-256 keys: generated in milliseconds, unlike RSA, and accepted by every TLS client in use.
const keyOptions = { keyType: "ec", curve: "P-256", algorithm: "sha256" } as const;

/**
 * Makes a fresh certificate authority and a server certificate it signs for loopback, the ARM
 * endpoints and every Key Vault / Managed HSM host of the Azure clouds. Both live one day and are
 * never written anywhere but the CA file the server hands to clients, so trusting the CA trusts
 * nothing beyond this one emulator run.
 */
export async function createEmulatorCertificates(): Promise<EmulatorCertificates> {
  const notBeforeDate = new Date(Date.now() - 60 * 60 * 1000);
  const notAfterDate = new Date(Date.now() + 24 * 60 * 60 * 1000);
  // A unique name, so a client trusting several emulator CAs never picks the wrong issuer.
  const caName = `cmkr Azure emulator throwaway CA ${randomBytes(6).toString("hex")}`;
  const ca = await generate([{ name: "commonName", value: caName }], {
    ...keyOptions,
    notBeforeDate,
    notAfterDate,
    extensions: [
      { name: "basicConstraints", cA: true, pathLenConstraint: 0, critical: true },
      { name: "keyUsage", keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
    ],
  });
  const leaf = await generate([{ name: "commonName", value: "localhost" }], {
    ...keyOptions,
    notBeforeDate,
    notAfterDate,
    ca: { key: ca.private, cert: ca.cert },
    extensions: [
      { name: "basicConstraints", cA: false, critical: true },
      { name: "keyUsage", digitalSignature: true, critical: true },
      { name: "extKeyUsage", serverAuth: true },
      {
        name: "subjectAltName",
        altNames: [
          ...emulatorCertificateDnsNames.map((value) => ({ type: 2 as const, value })),
          ...emulatorCertificateIps.map((ip) => ({ type: 7 as const, ip })),
        ],
      },
    ],
  });
  return { caPem: ca.cert, certPem: leaf.cert, keyPem: leaf.private };
}
