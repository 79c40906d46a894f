/** Standalone Hugging Face chat templates (tokenizer_config.json, chat_template.jinja), by content. */
import { describe, expect, it } from 'vitest';
import { analyse } from '../src/checks/artifact.js';
import { scanChatTemplateText } from '../src/checks/chat-template-files.js';
import { bytesContent } from '../src/checks/pickle-artifact.js';
import type { ScanState } from '../src/checks/types.js';
import { resolveLimits } from '../src/limits.js';
import { BUILTIN_POLICY } from '../src/policy/policy.js';

async function run(text: string) {
  const state: ScanState = {
    policy: BUILTIN_POLICY,
    analyse,
    limits: resolveLimits(),
    findings: [],
    members: 0,
  };
  const analysis = await scanChatTemplateText(state, {
    content: bytesContent(new TextEncoder().encode(text)),
    name: '',
    location: { artifact: 'x' },
    depth: 0,
    context: 'pickle',
  });
  return { analysis, rules: state.findings.map((f) => [f.ruleId, f.severity, f.location.offset]) };
}

const CHATML =
  "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}";
const SSTI =
  "{% for message in messages %}{{ cycler.__init__.__globals__.os.popen('id').read() }}{% endfor %}";

describe('standalone chat templates', () => {
  it('analyses chat_template in a tokenizer config, quietly when benign', async () => {
    expect(await run(JSON.stringify({ bos_token: '<s>', chat_template: CHATML }))).toEqual({
      analysis: { format: 'tokenizer-config' },
      rules: [],
    });
    const bad = await run(JSON.stringify({ chat_template: SSTI }));
    expect(bad.rules).toContainEqual(['VAC-GGUF-001', 'critical', 1]);
  });

  it('analyses each named template in a list', async () => {
    const cfg = {
      chat_template: [
        { name: 'default', template: CHATML },
        { name: 'tool_use', template: SSTI },
        { name: 'x' },
      ],
    };
    const r = await run(JSON.stringify(cfg));
    expect(r.rules.filter(([id]) => id === 'VAC-GGUF-001').length).toBeGreaterThan(0);
    expect(r.rules).toContainEqual(['VAC-GGUF-004', 'medium', expect.any(Number)]);
  });

  it('reports a duplicated chat_template key, which loaders resolve differently', async () => {
    const r = await run(
      `{"chat_template": ${JSON.stringify(CHATML)}, "chat_template": ${JSON.stringify(SSTI)}}`,
    );
    expect(r.rules.map(([id]) => id)).toEqual(expect.arrayContaining(['VAC-GGUF-004', 'VAC-GGUF-001']));
  });

  it('analyses a bare Jinja chat template and ignores other text and JSON', async () => {
    expect((await run(SSTI)).rules.map(([id]) => id)).toContain('VAC-GGUF-001');
    expect(await run(CHATML)).toEqual({ analysis: { format: 'chat-template' }, rules: [] });
    expect((await run('Hello {{ name }}, no chat here')).analysis).toBeUndefined();
    expect((await run('{"model_type": "llama"}')).analysis).toBeUndefined();
    expect((await run('plain notes')).analysis).toBeUndefined();
  });
});
