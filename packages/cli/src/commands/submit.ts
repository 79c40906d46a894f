/**
 * `vacsrp submit` and `vacsrp status`: the program service's API from the command line. The token
 * comes from the environment (VACSRP_TOKEN), never from argv. Uploads are resumable: each artifact
 * continues at the offset the service acknowledged, in chunks, so an interrupted submit is simply
 * run again.
 */
import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import { join, resolve } from 'node:path';
import { escapeTerminal, MANIFEST_FILE, parseManifest } from '@vacsrp/scanner';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { type Env, errorLine, messageOf, type OutStream } from '../output.js';

export const SUBMIT_EXIT = { ok: 0, failed: 1, usage: 2 } as const;

/** Bytes per PATCH: each acknowledged chunk is durable, so at most this much is resent after a failure. */
export const UPLOAD_CHUNK_BYTES = 16 * 1024 * 1024;
const RETRIES = 4;
const MAX_RESPONSE_BYTES = 8 * 1024 * 1024;

export interface SubmitCommandDeps {
  readonly stdout: OutStream;
  readonly stderr: OutStream;
  readonly env: Env;
  readonly setExitCode: (code: number) => void;
  /** Pause between retries (tests make it instant). */
  readonly sleep?: (ms: number) => Promise<void>;
}

class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly problem: { code?: string; detail?: string; offset?: number; [k: string]: unknown },
  ) {
    super(`${status} ${problem.code ?? ''}: ${problem.detail ?? 'request failed'}`);
  }
}

const server = (value: string): URL => {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new InvalidArgumentError('Expected the service URL, e.g. https://review.example.gov');
  }
  const loopback = ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback)) {
    throw new InvalidArgumentError(
      'Use https:// (plain http only to this machine): the token must not travel in clear.',
    );
  }
  return url;
};

/** One API call; JSON in and out, or a byte stream up. */
function call(
  base: URL,
  token: string,
  method: string,
  path: string,
  body?: { json: unknown } | { file: string; start: number; end: number; offset: number },
): Promise<unknown> {
  return new Promise((resolvePromise, reject) => {
    const url = new URL(path, base);
    const headers: Record<string, string> = { authorization: `Bearer ${token}`, accept: 'application/json' };
    let payload: Buffer | undefined;
    if (body !== undefined && 'json' in body) {
      payload = Buffer.from(JSON.stringify(body.json));
      headers['content-type'] = 'application/json';
      headers['content-length'] = String(payload.length);
    } else if (body !== undefined) {
      headers['content-type'] = 'application/offset+octet-stream';
      headers['upload-offset'] = String(body.offset);
      headers['content-length'] = String(body.end - body.start);
    }
    const req = (url.protocol === 'https:' ? https : http).request(url, { method, headers });
    req.on('error', reject);
    req.on('response', (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => {
        text += d;
        if (text.length > MAX_RESPONSE_BYTES)
          req.destroy(new Error('the service answered with too much data'));
      });
      res.on('error', reject);
      res.on('end', () => {
        let json: unknown;
        try {
          json = text === '' ? undefined : JSON.parse(text);
        } catch {
          json = { detail: text.slice(0, 200) };
        }
        const status = res.statusCode ?? 0;
        if (status >= 200 && status < 300) resolvePromise(json);
        else reject(new ApiError(status, (json ?? {}) as ApiError['problem']));
      });
    });
    if (payload !== undefined) req.end(payload);
    else if (body !== undefined && 'file' in body) {
      if (body.end === body.start) req.end();
      else
        createReadStream(body.file, { start: body.start, end: body.end - 1 })
          .on('error', reject)
          .pipe(req);
    } else req.end();
  });
}

interface Submission {
  id: string;
  state: string;
  modelName: string;
  modelVersion: string;
  currentRevision: number;
}
interface Artifact {
  id: string;
  path: string;
  size: number;
  state: string;
}

function progress(stream: OutStream, total: number) {
  let done = 0;
  let last = 0;
  const tty = stream.isTTY === true;
  return {
    add(n: number, label: string) {
      done += n;
      const now = Date.now();
      if (!tty || (now - last < 100 && done < total)) return;
      last = now;
      const pct = total === 0 ? 100 : Math.floor((done / total) * 100);
      const width = 24;
      const bar = '#'.repeat(Math.round((pct / 100) * width)).padEnd(width, '.');
      stream.write(`\r\x1b[2K[${bar}] ${pct}% ${escapeTerminal(label)}`);
    },
    end() {
      if (tty) stream.write('\r\x1b[2K');
    },
  };
}

export function registerSubmitCommands(program: Command, deps: SubmitCommandDeps): void {
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const token = (): string | undefined => {
    const t = deps.env.VACSRP_TOKEN;
    if (t === undefined || t === '') {
      deps.stderr.write(
        errorLine(
          'set VACSRP_TOKEN to a personal API token (create one in your account page or with `vacsrp admin create-token`)',
        ),
      );
      deps.setExitCode(SUBMIT_EXIT.usage);
      return undefined;
    }
    return t;
  };
  const refuse = (err: unknown) => {
    if (err instanceof ApiError) {
      const extra = Array.isArray(err.problem.problems)
        ? (err.problem.problems as { message: string; pointer?: string }[])
            .map((p) => `\n  ${p.pointer ?? ''} ${p.message}`)
            .join('')
        : Array.isArray(err.problem.pending)
          ? `\n  still to upload: ${(err.problem.pending as string[]).join(', ')}`
          : '';
      deps.stderr.write(
        errorLine(`the service refused: ${escapeTerminal(err.message)}${escapeTerminal(extra)}`),
      );
    } else {
      deps.stderr.write(errorLine(`cannot reach the service: ${messageOf(err)}`));
    }
    deps.setExitCode(SUBMIT_EXIT.failed);
  };

  program
    .command('submit')
    .description(
      'submit a package (vacsrp.yaml and its artifacts) to the program service, resuming where an earlier run stopped',
    )
    .argument('[dir]', 'the package directory holding vacsrp.yaml', '.')
    .requiredOption('--server <url>', 'the program service, e.g. https://review.example.gov', server)
    .option(
      '--submission <id>',
      'continue this submission: finish its uploads, or add a revision after remediation',
    )
    .addOption(new Option('--format <format>', 'output').choices(['text', 'json']).default('text'))
    .addHelpText(
      'after',
      `
The token is read from VACSRP_TOKEN. Artifacts are uploaded in ${UPLOAD_CHUNK_BYTES >> 20} MiB chunks;
run the same command again (with --submission) to resume after an interruption.

Exit codes:
  0  submitted (or the new revision uploaded); the scan is queued
  1  the service refused (message on stderr) or could not be reached
  2  usage error: no token, no or invalid vacsrp.yaml, missing artifact files`,
    )
    .action(async (dir: string, flags: { server: URL; submission?: string; format: 'text' | 'json' }) => {
      const t = token();
      if (t === undefined) return;
      const root = resolve(dir);
      let text: string;
      try {
        text = await readFile(join(root, MANIFEST_FILE), 'utf8');
      } catch (err) {
        deps.stderr.write(errorLine(`cannot read ${join(root, MANIFEST_FILE)}: ${messageOf(err)}`));
        return deps.setExitCode(SUBMIT_EXIT.usage);
      }
      const parsed = parseManifest(text, MANIFEST_FILE);
      if (parsed.manifest === undefined) {
        for (const p of parsed.problems)
          deps.stderr.write(errorLine(`${p.file}:${p.line}:${p.column} ${p.message}`));
        return deps.setExitCode(SUBMIT_EXIT.usage);
      }
      const manifest = parsed.manifest;
      const uploading = manifest.confidentiality === 'upload';
      if (uploading) {
        for (const a of manifest.artifacts) {
          const s = await stat(join(root, a.path)).catch(() => undefined);
          if (s === undefined || !s.isFile() || s.size !== a.size) {
            deps.stderr.write(errorLine(`${a.path}: missing, or not ${a.size} bytes as the manifest says`));
            return deps.setExitCode(SUBMIT_EXIT.usage);
          }
        }
      }
      try {
        let submission: Submission;
        if (flags.submission === undefined) {
          submission = (await call(flags.server, t, 'POST', '/api/v1/submissions', {
            json: { manifest: text },
          })) as Submission;
        } else {
          submission = (await call(
            flags.server,
            t,
            'GET',
            `/api/v1/submissions/${encodeURIComponent(flags.submission)}`,
          )) as Submission;
          if (submission.state === 'remediating') {
            submission = (await call(
              flags.server,
              t,
              'POST',
              `/api/v1/submissions/${submission.id}/revisions`,
              {
                json: { manifest: text },
              },
            )) as Submission;
          }
        }
        const artifacts = (await call(
          flags.server,
          t,
          'GET',
          `/api/v1/submissions/${submission.id}/revisions/${submission.currentRevision}/artifacts`,
        )) as Artifact[];
        const pending = artifacts.filter((a) => a.state === 'pending');
        const bar = progress(
          deps.stderr,
          pending.reduce((n, a) => n + a.size, 0),
        );
        for (const a of pending) {
          await uploadOne(flags.server, t, join(root, a.path), a, (n) => bar.add(n, a.path));
        }
        bar.end();
        if (submission.state === 'draft') {
          submission = (await call(
            flags.server,
            t,
            'POST',
            `/api/v1/submissions/${submission.id}/transitions`,
            {
              json: { action: 'submit' },
            },
          )) as Submission;
        } else {
          submission = (await call(
            flags.server,
            t,
            'GET',
            `/api/v1/submissions/${submission.id}`,
          )) as Submission;
        }
        if (flags.format === 'json') deps.stdout.write(`${JSON.stringify(submission)}\n`);
        else {
          deps.stdout.write(
            `submission ${submission.id} (${escapeTerminal(submission.modelName)} ${escapeTerminal(submission.modelVersion)}, revision ${submission.currentRevision}) is ${submission.state}\n`,
          );
          deps.stdout.write(
            `follow it with: vacsrp status ${submission.id} --server ${flags.server.origin}\n`,
          );
        }
        deps.setExitCode(SUBMIT_EXIT.ok);
      } catch (err) {
        refuse(err);
      }
    });

  /** Uploads one artifact from the offset the service holds, chunk by chunk, retrying with back-off. */
  async function uploadOne(
    base: URL,
    t: string,
    file: string,
    artifact: Artifact,
    onBytes: (n: number) => void,
  ) {
    let attempt = 0;
    for (;;) {
      try {
        const status = (await call(base, t, 'GET', `/api/v1/artifacts/${artifact.id}/upload`)) as {
          received: number;
        };
        let offset = status.received;
        onBytes(offset);
        while (offset < artifact.size || (artifact.size === 0 && offset === 0)) {
          const end = Math.min(artifact.size, offset + UPLOAD_CHUNK_BYTES);
          const r = (await call(base, t, 'PATCH', `/api/v1/artifacts/${artifact.id}/upload`, {
            file,
            start: offset,
            end,
            offset,
          })) as { received: number; artifact: { state: string } };
          onBytes(r.received - offset);
          offset = r.received;
          if (r.artifact.state === 'stored') return;
        }
        return;
      } catch (err) {
        // Refusals other than a moved offset are final; network faults and 5xx are retried.
        const retriable =
          !(err instanceof ApiError) || err.status >= 500 || err.problem.reason === 'OFFSET_MISMATCH';
        if (!retriable || ++attempt > RETRIES) throw err;
        await sleep(250 * 2 ** attempt);
      }
    }
  }

  program
    .command('status')
    .description('list your submissions, or show one with its scans and findings')
    .argument('[id]', 'a submission id')
    .requiredOption('--server <url>', 'the program service, e.g. https://review.example.gov', server)
    .addOption(new Option('--format <format>', 'output').choices(['text', 'json']).default('text'))
    .action(async (id: string | undefined, flags: { server: URL; format: 'text' | 'json' }) => {
      const t = token();
      if (t === undefined) return;
      try {
        if (id === undefined) {
          const list = (await call(flags.server, t, 'GET', '/api/v1/submissions')) as Submission[];
          if (flags.format === 'json') deps.stdout.write(`${JSON.stringify(list)}\n`);
          else if (list.length === 0) deps.stdout.write('no submissions\n');
          else
            for (const s of list) {
              deps.stdout.write(
                `${s.id}  ${s.state.padEnd(16)} ${escapeTerminal(s.modelName)} ${escapeTerminal(s.modelVersion)} (revision ${s.currentRevision})\n`,
              );
            }
        } else {
          const enc = encodeURIComponent(id);
          const s = (await call(flags.server, t, 'GET', `/api/v1/submissions/${enc}`)) as Submission;
          const scans = (await call(flags.server, t, 'GET', `/api/v1/submissions/${enc}/scans`)) as {
            revision: number;
            state: string;
            progress: { artifacts: number; scanned: number };
            error: string | null;
          }[];
          const findings = (await call(flags.server, t, 'GET', `/api/v1/submissions/${enc}/findings`)) as {
            severity: string;
            state: string;
          }[];
          const count = (key: 'severity' | 'state') => {
            const tally = new Map<string, number>();
            for (const f of findings) tally.set(f[key], (tally.get(f[key]) ?? 0) + 1);
            return [...tally]
              .sort(([a], [b]) => (a < b ? -1 : 1))
              .map(([k, n]) => `${k} ${n}`)
              .join(', ');
          };
          if (flags.format === 'json')
            deps.stdout.write(`${JSON.stringify({ submission: s, scans, findings })}\n`);
          else {
            deps.stdout.write(
              `${s.id}: ${escapeTerminal(s.modelName)} ${escapeTerminal(s.modelVersion)}, revision ${s.currentRevision}, ${s.state}\n`,
            );
            for (const scan of scans) {
              deps.stdout.write(
                `  scan of revision ${scan.revision}: ${scan.state} (${scan.progress.scanned}/${scan.progress.artifacts} artifacts)${scan.error ? ` — ${escapeTerminal(scan.error)}` : ''}\n`,
              );
            }
            deps.stdout.write(
              `  findings: ${findings.length}${findings.length > 0 ? ` (${count('severity')}; ${count('state')})` : ''}\n`,
            );
          }
        }
        deps.setExitCode(SUBMIT_EXIT.ok);
      } catch (err) {
        refuse(err);
      }
    });
}
