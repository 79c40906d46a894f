/** Reference helpers and shared texts for rule definitions. */
import type { Reference } from '../findings.js';

export const cwe = (n: number): Reference => ({ type: 'cwe', id: `CWE-${n}` });
export const atlas = (id: string): Reference => ({ type: 'atlas', id });
export const cve = (id: string): Reference => ({ type: 'cve', id });
export const ghsa = (id: string): Reference => ({ type: 'ghsa', id });

/** MITRE ATLAS techniques the rules cite. */
export const UNSAFE_ARTIFACT = atlas('AML.T0011.000');
export const SUPPLY_CHAIN_MODEL = atlas('AML.T0010.003');
export const EMBED_MALWARE = atlas('AML.T0018.002');
export const DENIAL = atlas('AML.T0029');
export const MASQUERADING = atlas('AML.T0074');

export const REPLACE_PICKLE =
  'Do not load this artifact. Re-export the weights in a format that cannot execute code (safetensors), or load it only with a restricted loader such as torch.load(weights_only=True) after reviewing every callable it names.';
export const REBUILD_ARCHIVE =
  'Rebuild the archive with a standard tool from trusted sources; loaders disagree about tampered archives, so what one tool inspects may not be what another loads.';
