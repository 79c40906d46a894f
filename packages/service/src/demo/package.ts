/**
 * A submission package generated in code: the scanner's demo model files and a vacsrp.yaml that
 * lists them with their digests. Used by `vacsrp serve --demo` and the tests; nothing is read from disk.
 */
import { createHash } from 'node:crypto';
import { type DemoFile, demoFiles } from '@vacsrp/scanner';

export interface DemoPackage {
  readonly manifest: string;
  readonly files: readonly DemoFile[];
}

export const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

/** `which` picks the files (default: all); `version` and `confidentiality` vary the manifest. */
export function demoPackage(
  options: {
    readonly name?: string;
    readonly version?: string;
    readonly organisation?: string;
    readonly which?: (file: DemoFile) => boolean;
    readonly confidentiality?: 'upload' | 'digests-only';
  } = {},
): DemoPackage {
  const files = demoFiles().filter(options.which ?? (() => true));
  const artifacts = files
    .map((f) => `  - path: ${f.path}\n    sha256: ${sha256(f.bytes)}\n    size: ${f.bytes.length}\n`)
    .join('');
  const manifest = `manifestVersion: 1
model:
  name: ${options.name ?? 'demo-assistant'}
  version: ${options.version ?? '1.0.0'}
  licence:
    id: Apache-2.0
developer:
  organisation: ${JSON.stringify(options.organisation ?? 'Demo AI Lab')}
  securityContact: security@demo-lab.example
intendedUses:
  - Answering questions about public agency documents
artifacts:
${artifacts}confidentiality: ${options.confidentiality ?? 'upload'}
`;
  return { manifest, files };
}
