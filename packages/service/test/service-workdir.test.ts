/**
 * Decrypted artifacts never outlive their scan: the working directory of a scan that is no longer
 * running (or of no known scan) is swept when job workers start; a running scan's stays. Both stores.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sweepWorkDir } from '../src/app/scans.js';
import { type Cast, STORES, seedCast, startTestService, type TestService } from './helpers/runtime.js';
import { buildWorld, type World } from './helpers/world.js';

describe.each(STORES)('the scan working directory (%s)', (store) => {
  let svc: TestService;
  let cast: Cast;
  let world: World;
  beforeAll(async () => {
    svc = await startTestService(store, { inProcessWorkers: false });
    cast = await seedCast(svc);
    world = await buildWorld(svc, cast);
  });
  afterAll(async () => svc?.close());

  it('keeps a running scan’s files and removes the rest', async () => {
    const work = join(svc.dataDir, 'work');
    const plant = (name: string) => {
      mkdirSync(join(work, name), { recursive: true });
      writeFileSync(join(work, name, 'weights.bin'), 'decrypted');
      return join(work, name);
    };
    const running = plant(`${world.scanId}-${randomUUID()}`);
    const orphan = plant(`${randomUUID()}-${randomUUID()}`);
    await svc.ctx.db.updateTable('scans').set({ state: 'running' }).where('id', '=', world.scanId).execute();
    expect(await sweepWorkDir(svc.ctx, work)).toBe(1);
    expect(existsSync(running)).toBe(true);
    expect(existsSync(orphan)).toBe(false);
    await svc.ctx.db
      .updateTable('scans')
      .set({ state: 'succeeded' })
      .where('id', '=', world.scanId)
      .execute();
    expect(await sweepWorkDir(svc.ctx, work)).toBe(1);
    expect(existsSync(running)).toBe(false);
  });
});
