import { writeKeyPair } from '../integrity/seal.js';

export interface CliIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

/**
 * `travelgate keygen --out FILE [--force]`: a new Ed25519 seal key. The private key goes to FILE
 * (PKCS#8 PEM, mode 0600), the public key to FILE.pub (SPKI PEM, 0644). The public key PEM is
 * printed on stdout (so it can be piped to whoever verifies); the paths and key id on stderr.
 * Refuses to overwrite existing files (exit 1) unless `force`.
 */
export function keygen(out: string, options: { force?: boolean } = {}, io: CliIo = process): number {
  try {
    const written = writeKeyPair(out, { force: options.force === true });
    io.stdout.write(written.publicPem.endsWith('\n') ? written.publicPem : `${written.publicPem}\n`);
    io.stderr.write(
      `wrote the private key to ${written.privateKeyFile} (mode 0600) and the public key to ${written.publicKeyFile}; ` +
        `key id ${written.keyId}\n` +
        'give the .pub file to whoever verifies exports; keep the private key on the gateway only\n',
    );
    return 0;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const reason =
      code === 'EEXIST'
        ? `${out} or ${out}.pub exists; pass --force to replace the pair (keep the old .pub: seals made with it verify only against it)`
        : (err as Error).message;
    io.stderr.write(`travelgate keygen: ${reason}\n`);
    return 1;
  }
}
