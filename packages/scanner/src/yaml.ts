/**
 * The YAML library, loaded on first use: only manifests, model cards and some dependency files are
 * YAML, and a scan of plain model files should not pay for loading it at start-up.
 */
import { createRequire } from 'node:module';
import type * as YamlModule from 'yaml';

let lib: typeof YamlModule | undefined;

export function yamlLib(): typeof YamlModule {
  lib ??= createRequire(import.meta.url)('yaml') as typeof YamlModule;
  return lib;
}
