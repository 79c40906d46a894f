import { execFileSync, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDigestPool, DigestError, type DigestPoolOptions } from '../src/digest/index.js';

const MIB = 1024 * 1024;
const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
const ABC_SHA256 = 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad';

let dir: string;
let big: { path: string; sha256: string; size: number };

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

async function fixture(name: string, bytes: Uint8Array | string): Promise<string> {
  const file = path.join(dir, name);
  await writeFile(file, bytes);
  return file;
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'vacsrp-digest-'));
  await fixture('empty.bin', '');
  await fixture('abc.txt', 'abc');
  // Not a multiple of any read size, and spans several 4 MiB chunks.
  const bytes = randomBytes(9 * MIB + 123);
  big = { path: await fixture('big.bin', bytes), sha256: sha256(bytes), size: bytes.length };
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const configurations: ReadonlyArray<{
  name: string;
  options: DigestPoolOptions;
  mode: 'workers' | 'inline';
}> = [
  { name: 'defaults', options: {}, mode: 'workers' },
  { name: 'every file on a worker', options: { threads: 2, inlineMaxBytes: 0 }, mode: 'workers' },
  {
    name: 'one worker, small reads',
    options: { threads: 1, inlineMaxBytes: 0, chunkBytes: 64 * 1024 },
    mode: 'workers',
  },
  { name: 'no workers', options: { threads: 0 }, mode: 'inline' },
];

describe.each(configurations)('digestFile ($name)', ({ options, mode }) => {
  it('matches the SHA-256 test vectors and node:crypto', async () => {
    const pool = createDigestPool(options);
    try {
      expect(await pool.digestFile(path.join(dir, 'empty.bin'))).toBe(EMPTY_SHA256);
      expect(await pool.digestFile(path.join(dir, 'abc.txt'))).toBe(ABC_SHA256);
      expect(await pool.digestFile(big.path)).toBe(big.sha256);
      // Checked after hashing: a worker entry that failed to load would have switched the pool to inline.
      expect(pool.mode).toBe(mode);
    } finally {
      await pool.close();
    }
  });

  it('reports cumulative progress ending at the file size', async () => {
    const pool = createDigestPool(options);
    const seen: number[] = [];
    try {
      await pool.digestFile(big.path, (bytes) => seen.push(bytes));
      const empty: number[] = [];
      await pool.digestFile(path.join(dir, 'empty.bin'), (bytes) => empty.push(bytes));
      expect(empty).toEqual([0]);
    } finally {
      await pool.close();
    }
    expect(seen.at(-1)).toBe(big.size);
    expect(seen).toEqual([...seen].sort((a, b) => a - b));
    expect(new Set(seen).size).toBe(seen.length);
  });

  it('hashes many files concurrently', async () => {
    const files = await Promise.all(
      Array.from({ length: 12 }, async (_, i) => {
        const bytes = randomBytes(i % 3 === 0 ? 2 * MIB + i : 1000 * i);
        return { path: await fixture(`concurrent-${i}.bin`, bytes), sha256: sha256(bytes) };
      }),
    );
    const pool = createDigestPool(options);
    try {
      const digests = await Promise.all([...files, big].map((file) => pool.digestFile(file.path)));
      expect(digests).toEqual([...files, big].map((file) => file.sha256));
    } finally {
      await pool.close();
    }
  });

  it('rejects missing files and directories with typed codes', async () => {
    const pool = createDigestPool(options);
    try {
      await expect(pool.digestFile(path.join(dir, 'missing.bin'))).rejects.toMatchObject({
        name: 'DigestError',
        code: 'ENOENT',
        path: path.join(dir, 'missing.bin'),
      });
      await expect(pool.digestFile(dir)).rejects.toMatchObject({ code: 'EISDIR' });
      await expect(pool.digestFile(path.join(dir, 'abc.txt', 'below-a-file'))).rejects.toMatchObject({
        code: 'ENOTDIR',
      });
      // The pool keeps working after errors.
      expect(await pool.digestFile(big.path)).toBe(big.sha256);
    } finally {
      await pool.close();
    }
  });
});

describe('digest errors', () => {
  // chmod 000 does not stop root; a write-only sysctl refuses reads even to root.
  const ROOT_UNREADABLE = '/proc/sys/vm/drop_caches';
  const isRoot = process.getuid?.() === 0;
  it.skipIf(process.platform === 'win32' || (isRoot && !existsSync(ROOT_UNREADABLE)))(
    'rejects unreadable files with EACCES',
    async () => {
      let file = ROOT_UNREADABLE;
      if (!isRoot) {
        file = await fixture('unreadable.bin', 'secret');
        await chmod(file, 0o000);
      }
      const pool = createDigestPool();
      try {
        const err = await pool.digestFile(file).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(DigestError);
        expect(err).toMatchObject({ code: 'EACCES', path: file });
      } finally {
        await pool.close();
      }
    },
  );

  it.skipIf(process.platform === 'win32')('refuses a FIFO instead of blocking on it', async () => {
    const fifo = path.join(dir, 'pipe');
    execFileSync('mkfifo', [fifo]);
    const pool = createDigestPool();
    try {
      await expect(pool.digestFile(fifo)).rejects.toMatchObject({ code: 'NOT_REGULAR_FILE' });
    } finally {
      await pool.close();
    }
  });

  it('rejects with the error thrown by onProgress', async () => {
    const pool = createDigestPool({ inlineMaxBytes: 0 });
    const boom = new Error('stop');
    try {
      await expect(
        pool.digestFile(big.path, () => {
          throw boom;
        }),
      ).rejects.toBe(boom);
      expect(await pool.digestFile(big.path)).toBe(big.sha256);
    } finally {
      await pool.close();
    }
  });

  it('validates its options', () => {
    expect(() => createDigestPool({ threads: -1 })).toThrow(RangeError);
    expect(() => createDigestPool({ threads: 1.5 })).toThrow(RangeError);
    expect(() => createDigestPool({ chunkBytes: 10 })).toThrow(RangeError);
  });
});

describe('close()', () => {
  it('rejects later digests with POOL_CLOSED and is idempotent', async () => {
    const pool = createDigestPool();
    expect(await pool.digestFile(big.path)).toBe(big.sha256);
    await pool.close();
    await pool.close();
    await expect(pool.digestFile(big.path)).rejects.toMatchObject({ code: 'POOL_CLOSED' });
  });

  it('rejects digests in flight and queued with POOL_CLOSED', async () => {
    const pool = createDigestPool({ threads: 1, inlineMaxBytes: 0, chunkBytes: 4096 });
    const outcomes = Array.from({ length: 4 }, () =>
      pool.digestFile(big.path).then(
        () => 'resolved',
        (err: unknown) => (err instanceof DigestError ? err.code : 'other'),
      ),
    );
    await new Promise((resolve) => setTimeout(resolve, 20));
    await pool.close();
    expect(await Promise.all(outcomes)).toEqual(['POOL_CLOSED', 'POOL_CLOSED', 'POOL_CLOSED', 'POOL_CLOSED']);
  });

  it('does not keep the process alive when the caller never closes the pool', async () => {
    const poolModule = fileURLToPath(new URL('../src/digest/index.ts', import.meta.url));
    const script = [
      `const { createDigestPool } = await import(${JSON.stringify(poolModule)});`,
      'const pool = createDigestPool({ inlineMaxBytes: 0 });',
      `process.stdout.write(await pool.digestFile(${JSON.stringify(big.path)}) + ' ' + pool.mode);`,
    ].join('\n');
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const exitCode = await new Promise<number | null>((resolve) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        resolve(null);
      }, 20_000);
      child.on('exit', (code) => {
        clearTimeout(timer);
        resolve(code);
      });
    });
    expect({ exitCode, stderr }).toEqual({ exitCode: 0, stderr: '' });
    expect(stdout).toBe(`${big.sha256} workers`);
  });
});
