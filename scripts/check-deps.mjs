#!/usr/bin/env node
// Dependency-direction check, run by `npm test`. The packages form layers (ARCHITECTURE.md):
//   formats  → (node built-ins that do no I/O of their own, its own deps)
//   scanner  → formats
//   cli      → scanner, formats
// Also: no import escapes its package by relative path, and no import cycles between files.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const RULES = {
  formats: {
    workspace: [],
    external: ['lzma-native', '@huggingface/jinja'],
    // A parser never opens paths, sockets or processes: adapters hand it bytes.
    forbiddenBuiltins: [
      'fs',
      'fs/promises',
      'net',
      'http',
      'https',
      'http2',
      'child_process',
      'worker_threads',
      'dgram',
      'tls',
      'dns',
    ],
  },
  attest: {
    workspace: [],
    external: ['@sigstore/verify', '@sigstore/bundle', '@sigstore/core', '@sigstore/protobuf-specs'],
    forbiddenBuiltins: ['net', 'http', 'https', 'http2', 'child_process', 'dgram', 'tls', 'dns'],
  },
  scanner: {
    workspace: ['@vacsrp/formats', '@vacsrp/attest'],
    external: ['h5wasm', 'smol-toml', 'yaml', '@renovatebot/pep440', 'semver', 'ajv', 'ajv-formats'],
    forbiddenBuiltins: ['net', 'http', 'https', 'http2', 'child_process', 'dgram', 'tls', 'dns'],
  },
  service: {
    workspace: ['@vacsrp/formats', '@vacsrp/attest', '@vacsrp/scanner'],
    external: [
      'fastify',
      '@fastify/cookie',
      '@fastify/formbody',
      '@fastify/rate-limit',
      '@fastify/static',
      '@fastify/swagger',
      '@fastify/type-provider-typebox',
      'typebox',
      'kysely',
      'better-sqlite3',
      'pg',
      '@node-rs/argon2',
      'openid-client',
      'pdfmake',
      'vega',
      'vega-lite',
      '@uswds/uswds',
    ],
    forbiddenBuiltins: [],
  },
  cli: {
    workspace: ['@vacsrp/formats', '@vacsrp/attest', '@vacsrp/scanner', '@vacsrp/service'],
    external: ['commander'],
    forbiddenBuiltins: [],
  },
};

const problems = [];
const graph = new Map();

function* files(dir) {
  for (const name of readdirSync(dir)) {
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) yield* files(p);
    else if (/\.(ts|mts|mjs|js)$/.test(name) && !name.endsWith('.d.ts')) yield p;
  }
}

const IMPORT_RE =
  /(?:^|[\s;])(?:import|export)\s+(type\s+)?(?:[^'";]*?\sfrom\s+)?['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;

for (const [pkg, rule] of Object.entries(RULES)) {
  const srcDir = path.join(root, 'packages', pkg, 'src');
  for (const file of files(srcDir)) {
    const text = readFileSync(file, 'utf8');
    const rel = path.relative(root, file);
    const edges = [];
    for (const m of text.matchAll(IMPORT_RE)) {
      const typeOnly = m[1] !== undefined;
      const spec = m[2] ?? m[3];
      if (spec.startsWith('.')) {
        const target = path.resolve(path.dirname(file), spec).replace(/\.js$/, '.ts');
        if (!target.startsWith(srcDir + path.sep))
          problems.push(`${rel}: relative import ${spec} leaves packages/${pkg}/src`);
        // Type-only imports are erased at compile time, so they cannot form a load-time cycle.
        if (!typeOnly)
          edges.push(target.endsWith('.json') || target.endsWith('.ts') ? target : `${target}.ts`);
        continue;
      }
      if (spec.startsWith('node:')) {
        const mod = spec.slice(5);
        if (rule.forbiddenBuiltins.includes(mod))
          problems.push(`${rel}: packages/${pkg} must not import ${spec}`);
        continue;
      }
      const name = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0];
      if (name.startsWith('@vacsrp/')) {
        if (!rule.workspace.includes(name))
          problems.push(`${rel}: packages/${pkg} may not depend on ${name}`);
        continue;
      }
      if (!rule.external.includes(name))
        problems.push(
          `${rel}: ${spec} is not a declared dependency of packages/${pkg} (bare Node built-ins must use the node: prefix)`,
        );
    }
    graph.set(file, edges);
  }
}

// Cycles between source files (Tarjan-free DFS with colours; reports each cycle once).
const colour = new Map();
const stack = [];
function visit(n) {
  colour.set(n, 1);
  stack.push(n);
  for (const m of graph.get(n) ?? []) {
    if (!graph.has(m)) continue;
    if (colour.get(m) === 1) {
      const cycle = stack
        .slice(stack.indexOf(m))
        .concat(m)
        .map((f) => path.relative(root, f));
      problems.push(`import cycle: ${cycle.join(' → ')}`);
    } else if (!colour.has(m)) visit(m);
  }
  stack.pop();
  colour.set(n, 2);
}
for (const n of graph.keys()) if (!colour.has(n)) visit(n);

if (problems.length > 0) {
  console.error(`dependency check failed (${problems.length}):\n  ${problems.join('\n  ')}`);
  process.exit(1);
}
console.log(`dependency check passed: ${graph.size} source files, layers formats → scanner → cli, no cycles`);
