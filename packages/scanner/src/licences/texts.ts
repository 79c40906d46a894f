/**
 * Identifies a licence text by distinctive phrases: each licence's own title or a sentence no other
 * licence in the list contains. Whitespace and case are normalised first; order matters where one
 * licence's text quotes another's (the LGPL names the GPL, CC BY-SA contains CC BY's wording).
 */

interface KnownLicence {
  readonly spdx: string;
  /** Every phrase must occur (normalised: lower case, single spaces). */
  readonly all: readonly string[];
}

const KNOWN: readonly KnownLicence[] = [
  { spdx: 'AGPL-3.0', all: ['gnu affero general public license', 'version 3'] },
  { spdx: 'LGPL-3.0', all: ['gnu lesser general public license', 'version 3'] },
  { spdx: 'LGPL-2.1', all: ['gnu lesser general public license', 'version 2.1'] },
  { spdx: 'GPL-3.0', all: ['gnu general public license', 'version 3, 29 june 2007'] },
  { spdx: 'GPL-2.0', all: ['gnu general public license', 'version 2, june 1991'] },
  { spdx: 'MPL-2.0', all: ['mozilla public license version 2.0'] },
  {
    spdx: 'Apache-2.0',
    all: ['apache license', 'version 2.0', 'terms and conditions for use, reproduction, and distribution'],
  },
  { spdx: 'Llama-3-Community', all: ['meta llama 3 community license agreement'] },
  { spdx: 'Llama-3.1-Community', all: ['llama 3.1 community license agreement'] },
  { spdx: 'Llama-3.2-Community', all: ['llama 3.2 community license agreement'] },
  { spdx: 'Llama-2-Community', all: ['llama 2 community license agreement'] },
  { spdx: 'Gemma', all: ['gemma terms of use'] },
  { spdx: 'OpenRAIL-M', all: ['openrail', 'responsible ai license', 'model'] },
  { spdx: 'CreativeML-OpenRAIL-M', all: ['creativeml open rail-m'] },
  { spdx: 'CC-BY-NC-SA-4.0', all: ['attribution-noncommercial-sharealike 4.0 international'] },
  { spdx: 'CC-BY-NC-4.0', all: ['attribution-noncommercial 4.0 international'] },
  { spdx: 'CC-BY-SA-4.0', all: ['attribution-sharealike 4.0 international'] },
  { spdx: 'CC-BY-4.0', all: ['attribution 4.0 international'] },
  {
    spdx: 'BSD-3-Clause',
    all: ['redistribution and use in source and binary forms', 'neither the name of'],
  },
  {
    spdx: 'BSD-2-Clause',
    all: ['redistribution and use in source and binary forms', 'this list of conditions'],
  },
  {
    spdx: 'MIT',
    all: [
      'permission is hereby granted, free of charge, to any person obtaining a copy',
      'the above copyright notice and this permission notice shall be included',
    ],
  },
];

/** Licence text read for identification (CWE-400): the distinctive phrases are all near the top. */
export const MAX_LICENCE_TEXT_CHARS = 256 * 1024;

export function normaliseText(text: string): string {
  return text
    .slice(0, MAX_LICENCE_TEXT_CHARS)
    .toLowerCase()
    .replace(/[\s*#>]+/g, ' ');
}

/** The SPDX identifier (or LicenseRef-style name) of a licence text; undefined when none matches. */
export function identifyLicenceText(text: string): string | undefined {
  const t = normaliseText(text);
  return KNOWN.find((k) => k.all.every((p) => t.includes(p)))?.spdx;
}

/** Hugging Face licence names to SPDX-like identifiers, for comparing declarations. Lower-cased keys. */
const ALIASES: Readonly<Record<string, string>> = {
  'apache-2.0': 'Apache-2.0',
  apache2: 'Apache-2.0',
  mit: 'MIT',
  'bsd-2-clause': 'BSD-2-Clause',
  'bsd-3-clause': 'BSD-3-Clause',
  'gpl-2.0': 'GPL-2.0',
  'gpl-3.0': 'GPL-3.0',
  'lgpl-2.1': 'LGPL-2.1',
  'lgpl-3.0': 'LGPL-3.0',
  lgpl: 'LGPL-3.0',
  'agpl-3.0': 'AGPL-3.0',
  'mpl-2.0': 'MPL-2.0',
  'cc-by-4.0': 'CC-BY-4.0',
  'cc-by-sa-4.0': 'CC-BY-SA-4.0',
  'cc-by-nc-4.0': 'CC-BY-NC-4.0',
  'cc-by-nc-sa-4.0': 'CC-BY-NC-SA-4.0',
  openrail: 'OpenRAIL-M',
  'openrail++': 'OpenRAIL-M',
  'bigscience-openrail-m': 'OpenRAIL-M',
  'creativeml-openrail-m': 'CreativeML-OpenRAIL-M',
  llama2: 'Llama-2-Community',
  llama3: 'Llama-3-Community',
  'llama3.1': 'Llama-3.1-Community',
  'llama3.2': 'Llama-3.2-Community',
  gemma: 'Gemma',
};

/** The canonical form of a declared licence name; unknown names come back unchanged. */
export function canonicalLicence(declared: string): string {
  const d = declared.trim();
  const k = d.toLowerCase().replace(/-only$|-or-later$/, '');
  return ALIASES[k] ?? d;
}

/** Declared values that say nothing: `other`, `unknown`, NOASSERTION. */
export function isUnstated(declared: string): boolean {
  return /^(?:other|unknown|noassertion|none|unlicensed|see license|see licence)$/i.test(declared.trim());
}
