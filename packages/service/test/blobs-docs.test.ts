import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import {
  BLOB_ERROR_CODES,
  HEADER_BYTES,
  RECORD_OVERHEAD,
  SEGMENT_PLAINTEXT_MAX,
} from '../src/blobs/index.js';

const doc = () => readFile(new URL('../../../docs/storage.md', import.meta.url), 'utf8');

describe('docs/storage.md is in step with the code', () => {
  it('documents every error code, and no other', async () => {
    const section = (await doc()).split('## Error codes')[1] ?? '';
    const documented = [...section.matchAll(/^\| `([A-Z_]+)` \|/gm)].map((m) => m[1]);
    expect(documented).toEqual([...BLOB_ERROR_CODES]);
  });

  it('states the format constants the code uses', async () => {
    const text = await doc();
    expect(SEGMENT_PLAINTEXT_MAX).toBe(64 * 1024);
    expect(text).toContain(`header (${HEADER_BYTES} bytes)`);
    expect(text).toContain(`${RECORD_OVERHEAD} bytes per segment`);
  });
});
