/**
 * Running and administering the program service: `vacsrp serve`, `vacsrp worker`, `vacsrp admin …`
 * and `vacsrp audit verify`. The service library is loaded only when one of these runs, so a scan
 * never pays for it. Secrets (master key, database URL, passwords) come from the environment only.
 */
import { type Command, InvalidArgumentError, Option } from 'commander';
import { type Env, errorLine, messageOf, type OutStream } from '../output.js';

export const SERVE_EXIT = { ok: 0, failed: 1, usage: 2 } as const;

export interface ServeCommandDeps {
  readonly stdout: OutStream;
  readonly stderr: OutStream;
  readonly env: Env;
  readonly setExitCode: (code: number) => void;
  /** Resolves when the process should stop (SIGINT/SIGTERM); tests hand in their own. */
  readonly stopSignal?: () => Promise<void>;
}

const service = () => import('@vacsrp/service');

const ENV_HELP = `
Environment:
  DATABASE_URL            postgres://… to use PostgreSQL (default: SQLite in the data directory)
  VACSRP_MASTER_KEY       the master key (64 hex or base64 of 32 bytes), or
  VACSRP_MASTER_KEY_FILE  a file holding it (mode 0600); default: DIR/master.key, created on first start
  VACSRP_PUBLIC_ORIGIN    the origin users reach the service at (https://review.example.gov)
  VACSRP_TRUST_PROXY=1    trust X-Forwarded-For from a reverse proxy`;

function untilSignal(): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      process.off('SIGINT', done);
      process.off('SIGTERM', done);
      resolve();
    };
    process.once('SIGINT', done);
    process.once('SIGTERM', done);
  });
}

const port = (value: string): string => {
  if (!/^\d{1,5}$/.test(value) || Number(value) > 65535)
    throw new InvalidArgumentError('Expected a port number 0-65535.');
  return value;
};

interface ServeFlags {
  readonly data?: string;
  readonly host?: string;
  readonly port?: string;
  readonly publicOrigin?: string;
  readonly workers: boolean;
  readonly demo?: boolean;
}

export function registerServeCommands(program: Command, deps: ServeCommandDeps): void {
  /** One line per failed job attempt (the job is retried with back-off, or marked failed). */
  const logJobError = (err: unknown, job: { id: string; kind: string; attempt: number }) => {
    deps.stderr.write(
      `job ${job.kind || '(queue)'} ${job.id} attempt ${job.attempt} failed: ${messageOf(err)}\n`,
    );
  };
  const fail = (err: unknown, code: number = SERVE_EXIT.failed) => {
    deps.stderr.write(errorLine(messageOf(err)));
    deps.setExitCode(code);
  };

  program
    .command('serve')
    .description('run the program service (HTTP API and job workers)')
    .option('--data <dir>', 'data directory for the SQLite store, blobs and master key', '.vacsrp')
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--port <port>', 'port to listen on (0 picks a free one)', port, '8080')
    .option('--public-origin <url>', 'the origin users reach the service at')
    .option('--no-workers', 'do not run job workers in this process (run `vacsrp worker` instead)')
    .option(
      '--demo',
      'load the demo program (organisations, users of every role, reviews) and print the logins',
    )
    .addHelpText('after', ENV_HELP)
    .action(async (flags: ServeFlags) => {
      const svc = await service();
      let running: Awaited<ReturnType<typeof svc.startService>>;
      try {
        const config = svc.configFrom(
          {
            ...(flags.data === undefined ? {} : { data: flags.data }),
            ...(flags.host === undefined ? {} : { host: flags.host }),
            ...(flags.port === undefined ? {} : { port: flags.port }),
            ...(flags.publicOrigin === undefined ? {} : { publicOrigin: flags.publicOrigin }),
            workers: flags.workers,
          },
          deps.env as NodeJS.ProcessEnv,
        );
        running = await svc.startService({ ...config, onJobError: logJobError });
      } catch (err) {
        return fail(err, err instanceof svc.ConfigError ? SERVE_EXIT.usage : SERVE_EXIT.failed);
      }
      if (flags.demo === true) {
        deps.stderr.write('Loading the demo program…\n');
        const worker = (running as { worker?: { idle(): Promise<void> } }).worker;
        const demo = await svc.seedDemo(running.ctx, async () => worker?.idle());
        deps.stdout.write(
          `Demo program ${demo.seeded ? 'loaded' : 'already present'}. Sign in with (password: ${demo.password}):\n`,
        );
        for (const login of demo.logins) deps.stdout.write(`  ${login.role.padEnd(20)} ${login.email}\n`);
      }
      deps.stdout.write(`vacsrp service listening on ${running.url} (health: ${running.url}/healthz)\n`);
      await (deps.stopSignal ?? untilSignal)();
      deps.stderr.write('Stopping…\n');
      await running.close();
      deps.setExitCode(SERVE_EXIT.ok);
    });

  program
    .command('worker')
    .description(
      'run job workers only (scale-out: any number, on any machine sharing DATABASE_URL and blobs)',
    )
    .option('--data <dir>', 'data directory (blobs and master key)', '.vacsrp')
    .option(
      '--concurrency <n>',
      'jobs run at once',
      (v) => {
        if (!/^[1-9]\d{0,2}$/.test(v)) throw new InvalidArgumentError('Expected 1-999.');
        return Number(v);
      },
      1,
    )
    .addHelpText('after', ENV_HELP)
    .action(async (flags: { data: string; concurrency: number }) => {
      const svc = await service();
      try {
        const config = {
          ...svc.configFrom({ data: flags.data }, deps.env as NodeJS.ProcessEnv),
          workerConcurrency: flags.concurrency,
        };
        const runtime = await svc.openRuntime(config, { workers: true });
        deps.stdout.write(`vacsrp worker running (${flags.concurrency} at a time)\n`);
        await (deps.stopSignal ?? untilSignal)();
        await runtime.close();
        deps.setExitCode(SERVE_EXIT.ok);
      } catch (err) {
        fail(err, err instanceof svc.ConfigError ? SERVE_EXIT.usage : SERVE_EXIT.failed);
      }
    });

  const admin = program
    .command('admin')
    .description('bootstrap and administer the service directly on its store');
  const dataOption = () => new Option('--data <dir>', 'data directory').default('.vacsrp');

  /** Opens the store without workers, runs `f` as the command-line administrator, closes. */
  const withStore = async (
    data: string,
    f: (
      svc: Awaited<ReturnType<typeof service>>,
      runtime: Awaited<ReturnType<Awaited<ReturnType<typeof service>>['openRuntime']>>,
    ) => Promise<void>,
  ) => {
    const svc = await service();
    let runtime: Awaited<ReturnType<typeof svc.openRuntime>> | undefined;
    try {
      runtime = await svc.openRuntime(svc.configFrom({ data }, deps.env as NodeJS.ProcessEnv), {
        workers: false,
      });
      await f(svc, runtime);
      deps.setExitCode(SERVE_EXIT.ok);
    } catch (err) {
      fail(err, err instanceof svc.ConfigError ? SERVE_EXIT.usage : SERVE_EXIT.failed);
    } finally {
      await runtime?.close();
    }
  };
  const CLI_ADMIN = { actor: { role: 'administrator' as const, userId: 'cli' }, where: 'cli' };

  admin
    .command('create-org')
    .description('create an organisation')
    .requiredOption('--name <name>', 'organisation name')
    .addOption(
      new Option('--type <type>', 'organisation type')
        .choices(['large-company', 'small-business', 'academic-lab', 'open-source-community', 'government'])
        .makeOptionMandatory(),
    )
    .addOption(
      new Option('--size-band <band>', 'size band (employees)')
        .choices(['1-9', '10-49', '50-249', '250-999', '1000+'])
        .makeOptionMandatory(),
    )
    .requiredOption('--sector <sector>', 'sector, e.g. health, finance, software')
    .addOption(dataOption())
    .action(
      async (flags: {
        name: string;
        type: 'small-business';
        sizeBand: '1-9';
        sector: string;
        data: string;
      }) =>
        withStore(flags.data, async (svc, runtime) => {
          const org = await svc.createOrganisation(runtime.ctx, CLI_ADMIN, {
            name: flags.name,
            type: flags.type,
            sizeBand: flags.sizeBand,
            sector: flags.sector,
          });
          deps.stdout.write(`${JSON.stringify(org)}\n`);
        }),
    );

  admin
    .command('create-user')
    .description('create a user; the password is read from VACSRP_PASSWORD (never from the command line)')
    .requiredOption('--email <email>', 'e-mail address (the sign-in name)')
    .requiredOption('--name <name>', 'display name')
    .addOption(
      new Option('--role <role>', 'role')
        .choices(['submitter', 'reviewer', 'administrator', 'procurement-officer'])
        .makeOptionMandatory(),
    )
    .option('--org <id>', 'organisation id (required for submitters; a reviewer’s employer)')
    .addOption(dataOption())
    .action(async (flags: { email: string; name: string; role: 'submitter'; org?: string; data: string }) =>
      withStore(flags.data, async (svc, runtime) => {
        const password = deps.env.VACSRP_PASSWORD;
        const user = await svc.createUser(runtime.ctx, CLI_ADMIN, {
          email: flags.email,
          name: flags.name,
          role: flags.role,
          organisationId: flags.org ?? null,
          ...(password === undefined || password === '' ? {} : { password }),
        });
        deps.stdout.write(`${JSON.stringify(user)}\n`);
        if (password === undefined || password === '') {
          deps.stderr.write(
            'No VACSRP_PASSWORD given: the account cannot sign in with a password (single sign-on or a token only).\n',
          );
        }
      }),
    );

  admin
    .command('create-token')
    .description('create a personal API token for a user and print it once')
    .requiredOption('--email <email>', 'the user')
    .requiredOption('--name <name>', 'what the token is for')
    .addOption(dataOption())
    .action(async (flags: { email: string; name: string; data: string }) =>
      withStore(flags.data, async (svc, runtime) => {
        const row = await runtime.ctx.db
          .selectFrom('users')
          .selectAll()
          .where('email', '=', flags.email.trim().toLowerCase())
          .executeTakeFirst();
        if (row === undefined) throw new Error(`no user ${flags.email}`);
        const user = {
          id: row.id,
          email: row.email,
          name: row.name,
          role: row.role as 'submitter',
          organisationId: row.organisation_id,
        };
        const { secret } = await svc.createToken(
          runtime.ctx,
          { actor: svc.actorOf(user), where: 'cli' },
          { name: flags.name },
        );
        deps.stdout.write(`${secret}\n`);
      }),
    );

  program
    .command('audit')
    .description('the audit log')
    .command('verify')
    .description(
      'verify the hash chain of the audit log; exit 1 names the first altered, removed or reordered entry',
    )
    .addOption(dataOption())
    .option('--format <format>', 'text or json', 'text')
    .action(async (flags: { data: string; format: string }) => {
      const svc = await service();
      let runtime: Awaited<ReturnType<typeof svc.openRuntime>> | undefined;
      try {
        runtime = await svc.openRuntime(svc.configFrom({ data: flags.data }, deps.env as NodeJS.ProcessEnv), {
          workers: false,
        });
        const result = await svc.verifyAudit(runtime.ctx.db);
        if (flags.format === 'json') deps.stdout.write(`${JSON.stringify(result)}\n`);
        else if (result.ok)
          deps.stdout.write(`audit log intact: ${result.count} entries, tip ${result.tipHash}\n`);
        else deps.stderr.write(errorLine(`audit log broken at entry ${result.index}: ${result.reason}`));
        deps.setExitCode(result.ok ? SERVE_EXIT.ok : SERVE_EXIT.failed);
      } catch (err) {
        fail(err, SERVE_EXIT.usage);
      } finally {
        await runtime?.close();
      }
    });
}
