import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import type { ScryptOptions } from 'node:crypto';

/**
 * Password hashing with scrypt (node:crypto, no native add-on to build). A hash is a self-describing
 * PHC-style string, `$scrypt$ln=15,r=8,p=3$<salt>$<hash>` (base64 without padding), so the cost can
 * be raised later: old hashes still verify with their own parameters, and `needsRehash` tells the
 * sign-in code to store a new hash once it knows the password.
 */
export interface ScryptParams {
  /** log2 of the CPU/memory cost N. */
  ln: number;
  /** Block size. */
  r: number;
  /** Parallelisation (run sequentially by Node, so it multiplies the time, not the memory). */
  p: number;
}

/**
 * OWASP's password storage cheat sheet lists N=2^15, r=8, p=3 as equivalent to its N=2^17, r=8, p=1
 * minimum while needing 32 MiB instead of 128 MiB per hash (at most four run at once, one per libuv
 * thread), which matters on a small server.
 */
export const DEFAULT_SCRYPT_PARAMS: ScryptParams = { ln: 15, r: 8, p: 3 };

const SALT_BYTES = 16;
const HASH_BYTES = 32;
const ENCODED = /^\$scrypt\$ln=(\d{1,2}),r=(\d{1,2}),p=(\d{1,2})\$([A-Za-z0-9+/]{16,64})\$([A-Za-z0-9+/]{16,128})$/;

export interface PasswordHasher {
  hash(password: string): Promise<string>;
  /** True when `password` matches `encoded`; false for a wrong password or a malformed hash. */
  verify(password: string, encoded: string): Promise<boolean>;
  /**
   * Spends the same time as `verify` against a real hash, and answers false: used for an unknown
   * e-mail so that the response time does not tell whether an account exists.
   */
  verifyDummy(password: string): Promise<false>;
  /** True when `encoded` was made with weaker parameters than the current ones. */
  needsRehash(encoded: string): boolean;
}

export function createPasswordHasher(params: ScryptParams = DEFAULT_SCRYPT_PARAMS): PasswordHasher {
  checkParams(params);
  // The dummy hash is made on first use with the current parameters, so it costs what a real one costs.
  let dummy: Promise<string> | undefined;
  const hash = async (password: string): Promise<string> => {
    const salt = randomBytes(SALT_BYTES);
    const derived = await derive(password, salt, params, HASH_BYTES);
    return `$scrypt$ln=${params.ln},r=${params.r},p=${params.p}$${b64(salt)}$${b64(derived)}`;
  };
  const verify = async (password: string, encoded: string): Promise<boolean> => {
    const parsed = parseHash(encoded);
    if (!parsed) return false;
    const derived = await derive(password, parsed.salt, parsed.params, parsed.hash.length);
    return timingSafeEqual(derived, parsed.hash);
  };
  return {
    hash,
    verify,
    async verifyDummy(password) {
      dummy ??= hash('dummy password that no account has');
      await verify(password, await dummy);
      return false;
    },
    needsRehash(encoded) {
      const parsed = parseHash(encoded);
      if (!parsed) return true;
      const old = parsed.params;
      return old.ln < params.ln || old.r < params.r || old.p < params.p || parsed.hash.length < HASH_BYTES;
    },
  };
}

interface ParsedHash {
  params: ScryptParams;
  salt: Buffer;
  hash: Buffer;
}

/** The parts of an encoded hash, or undefined when it is not one of ours. */
export function parseHash(encoded: string): ParsedHash | undefined {
  const match = typeof encoded === 'string' ? ENCODED.exec(encoded) : null;
  if (!match) return undefined;
  const params = { ln: Number(match[1]), r: Number(match[2]), p: Number(match[3]) };
  try {
    checkParams(params);
  } catch {
    return undefined;
  }
  return { params, salt: Buffer.from(match[4] as string, 'base64'), hash: Buffer.from(match[5] as string, 'base64') };
}

function checkParams({ ln, r, p }: ScryptParams): void {
  // Bounds keep a tampered stored hash from asking for gigabytes of memory.
  if (
    !Number.isInteger(ln) ||
    ln < 1 ||
    ln > 20 ||
    !Number.isInteger(r) ||
    r < 1 ||
    r > 32 ||
    !Number.isInteger(p) ||
    p < 1 ||
    p > 16
  ) {
    throw new Error(`scrypt parameters out of range: ln=${ln}, r=${r}, p=${p}`);
  }
}

function derive(password: string, salt: Buffer, { ln, r, p }: ScryptParams, length: number): Promise<Buffer> {
  const options: ScryptOptions = { N: 2 ** ln, r, p, maxmem: 256 * r * 2 ** ln };
  // NFC so that the same password typed on different systems (composed or decomposed accents) matches.
  const input = password.normalize('NFC');
  return new Promise((resolve, reject) =>
    scrypt(input, salt, length, options, (err, key) => (err ? reject(err) : resolve(key))),
  );
}

function b64(bytes: Buffer): string {
  return bytes.toString('base64').replace(/=+$/, '');
}
