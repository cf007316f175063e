import { execFile } from "node:child_process";
import * as fs from "node:fs";
import { SIGNATURE_NAMESPACE } from "./format";

/**
 * Entry signatures with the real OpenSSH tools: `ssh-keygen -Y sign` / `-Y verify` in the namespace
 * `cloudworkstation-catalog`, against the catalog's allowed_signers file. A signature is valid only when it verifies
 * for the entry's `creator` principal, so a key allowed for one person cannot sign for another.
 */

export type SignatureVerdict =
  | {
      ok: true;
      /** "ml@uni.edu (ED25519 key SHA256:…)" */
      signer: string;
      /** Signed by another allowed principal than the creator, accepted because the entry is a revocation. */
      revocation?: true;
    }
  | {
      ok: false;
      reason: string;
      /** When a key listed for other principals made the signature: those principals (allowed_signers order). */
      signedBy?: string[];
    };

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function sshKeygen(args: string[], input?: string): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = execFile("ssh-keygen", args, (error, stdout, stderr) => {
      if (error && typeof error.code !== "number") {
        reject(
          new Error(
            `ssh-keygen could not be run (${error.message}); install OpenSSH 8.2 or later to verify catalog signatures`,
          ),
        );
        return;
      }
      resolve({ code: error ? Number(error.code) : 0, stdout, stderr });
    });
    if (input !== undefined) child.stdin?.end(input);
    else child.stdin?.end();
  });
}

export function signaturePathOf(entryPath: string): string {
  return `${entryPath}.sig`;
}

/** Verifies `<entry>.sig` for `principal`; the reason says which of missing / unknown key / wrong signer / tampered. */
export async function verifyEntrySignature(
  entryPath: string,
  allowedSignersPath: string,
  principal: string,
): Promise<SignatureVerdict> {
  const signature = signaturePathOf(entryPath);
  if (!fs.existsSync(signature))
    return {
      ok: false,
      reason: `signature missing (no ${baseName(signature)}; sign with cws catalog submit --sign-key)`,
    };
  if (!fs.existsSync(allowedSignersPath)) return { ok: false, reason: "the catalog has no allowed_signers file" };
  const content = fs.readFileSync(entryPath, "utf8");
  const verified = await sshKeygen(
    ["-Y", "verify", "-f", allowedSignersPath, "-I", principal, "-n", SIGNATURE_NAMESPACE, "-s", signature],
    content,
  );
  if (verified.code === 0) {
    const key = /with (\S+ key \S+)/.exec(verified.stdout)?.[1];
    return { ok: true, signer: key ? `${principal} (${key})` : principal };
  }
  // Tell "someone else signed it" and "no allowed key signed it" apart from tampering: ask who the key belongs to.
  const found = await sshKeygen(
    ["-Y", "find-principals", "-f", allowedSignersPath, "-n", SIGNATURE_NAMESPACE, "-s", signature],
    undefined,
  );
  const principals =
    found.code === 0
      ? found.stdout
          .trim()
          .split(/\s*\n\s*/)
          .filter(Boolean)
      : [];
  if (principals.length === 0)
    return { ok: false, reason: `signature by a key not in allowed_signers (creator is ${principal})` };
  if (!principals.includes(principal))
    return {
      ok: false,
      reason: `signed by ${principals.join(", ")}, not by the entry's creator ${principal}`,
      signedBy: principals,
    };
  return { ok: false, reason: `signature does not verify: the file changed after it was signed by ${principal}` };
}

/** Signs `entryPath` with a private key, writing `<entry>.sig` (replacing an older signature). */
export async function signEntry(entryPath: string, privateKeyPath: string): Promise<string> {
  if (!fs.existsSync(privateKeyPath))
    throw new Error(`--sign-key ${privateKeyPath} does not exist; give the path of an SSH private key`);
  const signature = signaturePathOf(entryPath);
  fs.rmSync(signature, { force: true });
  const signed = await sshKeygen(["-Y", "sign", "-f", privateKeyPath, "-n", SIGNATURE_NAMESPACE, entryPath]);
  if (signed.code !== 0 || !fs.existsSync(signature))
    throw new Error(`ssh-keygen -Y sign failed for ${entryPath}: ${signed.stderr.trim() || `exit ${signed.code}`}`);
  return signature;
}

function baseName(file: string): string {
  return file.split(/[\\/]/).pop() ?? file;
}
