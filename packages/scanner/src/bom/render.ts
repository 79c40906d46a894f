/** The one serialisation of a BOM: two-space JSON and a final newline. Key order is the builder's. */
import type { CycloneDxBom } from './types.js';

export function renderBom(bom: CycloneDxBom): string {
  return `${JSON.stringify(bom, null, 2)}\n`;
}
