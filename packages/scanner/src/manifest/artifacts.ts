/** Which scanned files are model artifacts that a manifest must list (shared by the draft and the scan check). */
import type { ArtifactRecord } from '../report/types.js';
import { dependencyFileKind } from '../supply/names.js';
import { MANIFEST_FILE } from './types.js';

/** Formats that are not model artifacts: unrecognised bytes, empty files, links, special files. */
const NOT_MODEL_FORMATS: ReadonlySet<string> = new Set(['data', 'empty', 'unknown', 'symlink']);

/** Files that describe the submission rather than being part of the model. */
const DESCRIPTIVE =
  /^(?:readme(?:\.md)?|config\.json|model\.sig|license(?:\.\w+)?|licence(?:\.\w+)?|[\w.-]*croissant[\w.-]*\.json|[\w.-]+\.jsonld)$/i;

/** `/`-separated path of `p` relative to `dir`, or undefined when it is not inside. */
export function relativeInside(
  dir: string,
  p: string,
  rel: (from: string, to: string) => string,
): string | undefined {
  const r = rel(dir, p).split(/[\\/]/).join('/');
  if (r === '' || r === '..' || r.startsWith('../') || /^[A-Za-z]:|^\//.test(r)) return undefined;
  return r;
}

/** True for a path below the root that is hidden (.git/, .cache/ and the like). */
export const isHidden = (relPath: string): boolean => relPath.split('/').some((s) => s.startsWith('.'));

/** A file the manifest is expected to list: a recognised model format, not descriptive, not hidden. */
export function isModelArtifact(record: ArtifactRecord, relPath: string): boolean {
  if (record.status === 'errored' || NOT_MODEL_FORMATS.has(record.format)) return false;
  if (record.reason?.endsWith('not a regular file')) return false;
  if (isHidden(relPath) || relPath === MANIFEST_FILE) return false;
  const base = relPath.slice(relPath.lastIndexOf('/') + 1);
  if (DESCRIPTIVE.test(base) || dependencyFileKind(relPath) !== undefined) return false;
  return true;
}
