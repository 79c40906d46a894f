import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const src = (pkg: string) => fileURLToPath(new URL(`./packages/${pkg}/src/index.ts`, import.meta.url));

export default defineConfig({
  resolve: {
    alias: {
      '@vacsrp/formats': src('formats'),
      '@vacsrp/scanner': src('scanner'),
      '@vacsrp/attest': src('attest'),
      '@vacsrp/service': src('service'),
    },
  },
  test: {
    include: ['packages/*/test/**/*.test.ts', 'test/**/*.test.ts'],
    setupFiles: ['test/setup/no-network.ts'],
    sequence: { shuffle: true },
    testTimeout: 30_000,
    pool: 'forks',
  },
});
