/**
 * The compiled `vacsrp` run as real processes, for the tests that kill them or measure them: start
 * `serve` (resolving with its URL) or `worker` (once it runs), and send raw upload requests.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import http from 'node:http';
import { fileURLToPath } from 'node:url';

export const BIN = fileURLToPath(new URL('../../../cli/bin/vacsrp.js', import.meta.url));
export const BUILT = existsSync(fileURLToPath(new URL('../../../cli/dist/main.js', import.meta.url)));

/**
 * Starts `vacsrp serve --port 0` or `vacsrp worker` on `dataDir`; resolves when it is ready (with
 * the server's URL, '' for a worker), rejects if it exits first. Stderr lines go to `onStderr`.
 */
export function startVacsrp(
  command: 'serve' | 'worker',
  options: {
    readonly dataDir: string;
    readonly env: NodeJS.ProcessEnv;
    readonly args?: readonly string[];
    readonly onStderr?: (text: string) => void;
  },
): Promise<{ child: ChildProcess; url: string }> {
  return new Promise((resolve, reject) => {
    const args = command === 'serve' ? ['serve', '--port', '0'] : ['worker'];
    const child = spawn(
      process.execPath,
      [BIN, ...args, ...(options.args ?? []), '--data', options.dataDir],
      {
        env: options.env,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let out = '';
    let err = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m !== null) resolve({ child, url: m[1]! });
      else if (command === 'worker' && out.includes('worker running')) resolve({ child, url: '' });
    });
    child.stderr!.on('data', (d: Buffer) => {
      err += d.toString();
      options.onStderr?.(d.toString());
    });
    child.on('exit', (code) => reject(new Error(`${command} exited ${code}: ${err}`)));
  });
}

/**
 * One `PATCH …/upload` of `length` bytes at `offset`; `send` writes the body into the request (and
 * may leave it unfinished, as a client that dies would).
 */
export function patchUpload(
  url: string,
  token: string,
  artifactId: string,
  offset: number,
  length: number,
  send: (request: http.ClientRequest) => void,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(`${url}/api/v1/artifacts/${artifactId}/upload`, {
      method: 'PATCH',
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': 'application/offset+octet-stream',
        'upload-offset': String(offset),
        'content-length': String(length),
      },
    });
    req.on('response', (res) => {
      let body = '';
      res.on('data', (d: Buffer) => {
        body += d.toString();
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    send(req);
  });
}
