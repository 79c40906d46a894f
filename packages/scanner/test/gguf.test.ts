import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { buildGguf, type GgufSpec, s, type Value } from '../../formats/test/gguf-writer.js';
import { atLeast, type Finding, renderJson, renderSarif, scan } from '../src/index.js';
import { expectGolden } from './fixtures/report/golden.js';
import { bytes, global } from './helpers/pickles.js';

const corpus = fileURLToPath(new URL('../../../../shared/corpus/', import.meta.url));
const manifest = JSON.parse(readFileSync(path.join(corpus, 'manifest.json'), 'utf8')) as {
  files: { path: string; expected: string; category: string }[];
};
const dir = mkdtempSync(path.join(tmpdir(), 'vacsrp-gguf-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let counter = 0;
async function scanGgufSpec(spec: GgufSpec): Promise<readonly Finding[]> {
  const file = path.join(dir, `m${counter++}.gguf`);
  writeFileSync(file, buildGguf(spec));
  return (await scan([file], { digest: false })).findings;
}
const loud = (fs: readonly Finding[]) => fs.filter((f) => atLeast(f.severity, 'medium'));
const rules = (fs: readonly Finding[]) => [...new Set(fs.map((f) => f.ruleId))].sort();
const weights = { name: 'w', dims: [8], type: 0, size: 32 };
const CHATML =
  "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

describe('GGUF check', () => {
  const samples = manifest.files.filter((f) => f.category === 'gguf');
  it.each(samples.map((x) => [x.path, x.expected] as const))('%s is %s', async (file, expected) => {
    const findings = (await scan([path.join(corpus, file)], { digest: false })).findings;
    if (expected === 'malicious') expect(findings.some((f) => f.severity === 'critical')).toBe(true);
    else expect(loud(findings)).toEqual([]);
  });

  it('analyses named template variants, not only the default one', async () => {
    const findings = await scanGgufSpec({
      kvs: [
        ['tokenizer.chat_template', s(CHATML)],
        ['tokenizer.chat_template.tool_use', s("{{ lipsum.__globals__['os'].popen('id') }}")],
      ],
      tensors: [weights],
    });
    const critical = findings.filter((f) => f.ruleId === 'VAC-GGUF-001');
    expect(critical.map((f) => f.evidence.details?.template)).toEqual(['tokenizer.chat_template.tool_use']);
  });

  it.each([
    ["{{ x|attr('__cla' ~ 'ss__') }}", 'VAC-GGUF-001'],
    ['{{ x|attr(name) }}', 'VAC-GGUF-003'],
    ['{{ self._TemplateReference__context }}', 'VAC-GGUF-002'],
    ['{{ joiner.x }}', 'VAC-GGUF-002'],
    ['{{ request.application }}', 'VAC-GGUF-002'],
    ['{{ messages[0].os }}', 'VAC-GGUF-002'],
  ])('flags %s', async (tpl, rule) => {
    const findings = await scanGgufSpec({ kvs: [['tokenizer.chat_template', s(tpl)]], tensors: [weights] });
    expect(rules(loud(findings))).toContain(rule);
  });

  it('does not flag calling template globals, or attributes of what the template assigns', async () => {
    const tpl =
      "{% set ns = namespace(n=0) %}{% for i in range(2) %}{% set ns.n = ns.n + 1 %}{% endfor %}{{ ns.n }}{{ raise_exception('x') if false }}";
    expect(
      loud(await scanGgufSpec({ kvs: [['tokenizer.chat_template', s(tpl)]], tensors: [weights] })),
    ).toEqual([]);
  });

  it('reports a template that is not a string', async () => {
    const tpl: Value = { type: 'ARRAY', elementType: 'STRING', items: [s('{{ x }}')] };
    const findings = await scanGgufSpec({ kvs: [['tokenizer.chat_template', tpl]], tensors: [weights] });
    expect(rules(findings)).toEqual(['VAC-GGUF-004']);
  });

  it('reports header bounds and reader disagreements', async () => {
    expect(rules(await scanGgufSpec({ kvs: [], tensors: [{ ...weights, offset: 2n ** 40n }] }))).toContain(
      'VAC-GGUF-005',
    );
    expect(
      rules(
        await scanGgufSpec({
          kvs: [
            ['a', s('1')],
            ['a', s('2')],
          ],
          tensors: [weights],
        }),
      ),
    ).toEqual(['VAC-GGUF-006']);
    expect(rules(await scanGgufSpec({ kvs: [], kvCount: 1000n }))).toEqual(['VAC-GGUF-005']);
    const layers: GgufSpec = {
      kvs: [['llama.block_count', { type: 'UINT32', value: 4096 }]],
      tensors: [weights],
    };
    expect(rules(await scanGgufSpec(layers))).toEqual(['VAC-GGUF-005']);
  });

  it('analyses bytes after the last tensor and raises them when they hold a payload', async () => {
    const payload = bytes([0x80, 0x02], global('os', 'system'), '(X\x02\x00\x00\x00idtR.');
    const findings = await scanGgufSpec({ kvs: [], tensors: [weights], trailing: payload });
    expect(findings.find((f) => f.ruleId === 'VAC-GGUF-007')?.severity).toBe('high');
    expect(findings.find((f) => f.ruleId === 'VAC-PKL-001')?.location.members?.[0]).toMatch(
      /^uncovered bytes @/,
    );
  });

  it('matches the golden JSON and SARIF reports', async () => {
    const file = path.relative(
      process.cwd(),
      path.join(corpus, 'malicious/gguf/chat_template_cycler_globals.gguf'),
    );
    const report = await scan([file], { digest: true, now: () => new Date(0) });
    expectGolden('../formats/gguf.json', renderJson(report));
    expectGolden('../formats/gguf.sarif', renderSarif(report));
  });
});
