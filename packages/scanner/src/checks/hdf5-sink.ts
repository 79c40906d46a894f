/** Where the HDF5 worker collects findings, and how it words the library's errors. */
import { type Finding, type FindingLocation, makeFinding } from '../findings.js';
import type { Hdf5Runtime } from './hdf5-runtime.js';

/** Findings collected in the worker; the main thread adds them to the scan. */
export interface Hdf5Sink {
  readonly findings: Finding[];
  /** Datasets declaring more bytes than this are shape bombs. */
  readonly maxDeclaredBytes: number;
}

export function malformed(sink: Hdf5Sink, location: FindingLocation, message: string): void {
  sink.findings.push(makeFinding('VAC-HDF-005', { message, location }));
}

/** The library's own words, bounded: the JS error plus the HDF5 diagnostic stack it printed. */
export function diagnostic(rt: Hdf5Runtime, e: unknown): string {
  const d = rt.takeDiagnostics();
  const major = /#\d{3}: .*?\n\s+major: (.*)\n\s+minor: (.*)/.exec(d);
  const msg = e instanceof Error ? e.message : String(e);
  return (major ? `${msg} (${major[1]}: ${major[2]})` : msg).slice(0, 300);
}
