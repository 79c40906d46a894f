import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { analyseTemplate } from '../src/jinja/analyse.js';
import { fuzzParams } from './helpers/mutate.js';

const pieces = [
  '{{',
  '}}',
  '{%',
  '%}',
  '{#',
  '#}',
  '(',
  ')',
  '[',
  ']',
  '.',
  '|',
  '~',
  '+',
  "'",
  '"',
  '\\x5f',
  '__class__',
  'attr',
  'for x in y',
  'endfor',
  'set',
  '=',
  ',',
  'cycler',
  ' ',
  'if',
  'endif',
  '::-1',
  'join',
  'format',
];

describe('chat-template analysis on hostile text (fast-check, seed 42)', () => {
  it('never throws and always says how it analysed', () => {
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom(...pieces), { maxLength: 80 }),
        fc.string({ maxLength: 40 }),
        (parts, noise) => {
          const started = performance.now();
          const a = analyseTemplate(parts.join('') + noise);
          expect(['ast', 'tokens', 'text', 'none']).toContain(a.method);
          expect(performance.now() - started).toBeLessThan(2000);
        },
      ),
      fuzzParams(600),
    );
  });
});
