import { describe, expect, it } from 'vitest';
import { analyseTemplate } from '../src/jinja/analyse.js';
import { foldString } from '../src/jinja/fold.js';
import { JINJA_LIMITS, type TemplateAnalysis } from '../src/jinja/types.js';

const CHATML =
  "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

const LLAMA3 =
  "{% set loop_messages = messages %}{% for message in loop_messages %}{% set content = '<|start_header_id|>' + message['role'] + '<|end_header_id|>\\n\\n'+ message['content'] | trim + '<|eot_id|>' %}{% if loop.index0 == 0 %}{% set content = bos_token + content %}{% endif %}{{ content }}{% endfor %}{% if add_generation_prompt %}{{ '<|start_header_id|>assistant<|end_header_id|>\\n\\n' }}{% endif %}";

const LLAMA2 =
  "{% if messages[0]['role'] == 'system' %}{% set loop_messages = messages[1:] %}{% set system_message = messages[0]['content'] %}{% else %}{% set loop_messages = messages %}{% set system_message = false %}{% endif %}{% for message in loop_messages %}{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}{% if loop.index0 == 0 and system_message != false %}{% set content = '<<SYS>>\\n' + system_message + '\\n<</SYS>>\\n\\n' + message['content'] %}{% else %}{% set content = message['content'] %}{% endif %}{% if message['role'] == 'user' %}{{ bos_token + '[INST] ' + content.strip() + ' [/INST]' }}{% elif message['role'] == 'assistant' %}{{ ' '  + content.strip() + ' ' + eos_token }}{% endif %}{% endfor %}";

const TOOLS =
  "{% set ns = namespace(found=false) %}{% for m in messages %}{% if m.role == 'system' %}{% set ns.found = true %}{% endif %}{% if m.tool_calls %}{% for tc in m.tool_calls %}{{ tc.function.name }}{{ tc.function.arguments | tojson }}{% endfor %}{% endif %}{% endfor %}{{ messages | selectattr('role', 'equalto', 'user') | map(attribute='content') | join(', ') }}{% for i in range(3) %}{{ i }}{% endfor %}";

const names = (a: TemplateAnalysis) => a.accesses.map((x) => x.name);

describe('analyseTemplate', () => {
  it.each([
    ['ChatML', CHATML],
    ['Llama 3', LLAMA3],
    ['Llama 2', LLAMA2],
    ['tools with namespace and attribute filters', TOOLS],
  ])('parses the benign %s template; nothing dunder, private or computed', (_, tpl) => {
    const a = analyseTemplate(tpl);
    expect(a.method).toBe('ast');
    expect(a.parseError).toBeUndefined();
    for (const x of a.accesses) {
      expect(x.name ?? '').not.toMatch(/^_/);
      expect(x.built && x.name === undefined).toBe(false);
    }
  });

  it('resolves roots and tells template-assigned names from free ones', () => {
    const a = analyseTemplate(TOOLS);
    const ns = a.accesses.find((x) => x.root === 'ns');
    expect(ns).toMatchObject({ rootFree: false, direct: true });
    expect(a.freeNames).toEqual(expect.arrayContaining(['messages', 'namespace', 'range']));
    expect(a.freeNames).not.toContain('ns');
    expect(names(a)).toEqual(expect.arrayContaining(['role', 'content']));
  });

  it('sees through the cycler globals chain', () => {
    const a = analyseTemplate("{% set x = cycler.__init__.__globals__.os.popen('id').read() %}");
    const init = a.accesses.find((x) => x.name === '__init__');
    expect(init).toMatchObject({ kind: 'attribute', root: 'cycler', rootFree: true, direct: true });
    expect(names(a)).toEqual(expect.arrayContaining(['__globals__', 'os', 'popen']));
    expect(a.accesses.find((x) => x.name === 'popen')?.path).toBe('cycler.__init__.__globals__.os.popen');
  });

  it('does not treat a name the template assigns as a global', () => {
    const a = analyseTemplate('{% set cycler = messages %}{{ cycler.x }}');
    expect(a.accesses[0]).toMatchObject({ root: 'cycler', rootFree: false });
  });

  it.each([
    ["x|attr('__cla' ~ 'ss__')", '__class__'],
    ["x|attr('__cla' + 'ss__')", '__class__'],
    ["x['%s%s'|format('__cla', 'ss__')]", '__class__'],
    ["x['%s%s' % ('__cla', 'ss__')]", '__class__'],
    ["x[['__', 'class', '__']|join]", '__class__'],
    ["x['__ssalc__'|reverse]", '__class__'],
    ["x['__ssalc__'[::-1]]", '__class__'],
    ["x[''.join(['__gl', 'obals__'])]", '__globals__'],
    ["x['{}{}'.format('__gl', 'obals__')]", '__globals__'],
    ["x['__CLASS__'|lower]", '__class__'],
    ["x|map(attribute='__class__')", '__class__'],
    ["x|selectattr('__class__')", '__class__'],
    ["x['\\x5f\\x5fclass\\x5f\\x5f']", '__class__'],
  ])('folds the obfuscated name in {{ %s }}', (expr, name) => {
    const a = analyseTemplate(`{{ ${expr} }}`);
    expect(a.method).toBe('ast');
    expect(names(a)).toContain(name);
  });

  it.each([
    ["{% set n = '__glob' ~ 'als__' %}{{ x[n] }}", '__globals__'],
    ["{% set n = '__class__' %}{{ x|attr(n) }}", '__class__'],
    ['{{ x|attr(dict(__cla=1, ss__=2)|join) }}', '__class__'],
    ["{{ x|attr(['_' * 2, 'class', '_' * 2]|join) }}", '__class__'],
    ["{{ x|attr('%c%c%s%c%c'|format(95, 95, 'init', 95, 95)) }}", '__init__'],
  ])('finds a dunder name spelled or built anywhere in %s', (tpl, name) => {
    const a = analyseTemplate(tpl);
    expect(a.method).toBe('ast');
    expect(names(a)).toContain(name);
  });

  it('ignores dunder-looking template text, which is only printed', () => {
    expect(names(analyseTemplate('__init__{{ message.content }}'))).not.toContain('__init__');
  });

  it('marks names computed at render time', () => {
    const a = analyseTemplate('{{ x|attr(n) }}{{ y[a ~ b] }}');
    expect(a.accesses.filter((x) => x.built && x.name === undefined)).toHaveLength(2);
    // A variable index is ordinary (messages[i]); it is not a built name.
    expect(analyseTemplate('{{ messages[i] }}').accesses[0]).toMatchObject({ built: false });
  });

  it('reads the Python-only empty tuple as a list, and says the parser refused it', () => {
    const a = analyseTemplate(
      "{% for x in ().__class__.__base__.__subclasses__() %}{{ x()._module.__builtins__['__import__'] }}{% endfor %}",
    );
    expect(a.method).toBe('ast');
    expect(a.parseError).toBeDefined();
    expect(a.accesses.find((x) => x.name === '__subclasses__')?.path).toBe(
      '[].__class__.__base__.__subclasses__',
    );
    expect(names(a)).toEqual(expect.arrayContaining(['__class__', '_module', '__builtins__', '__import__']));
  });

  it('falls back to tokens when the parser refuses the template', () => {
    const a = analyseTemplate(
      "{% for x in y.__class__ %}{{ x._module.__builtins__['__import__'] }}{% endfor %}{% endfor %}",
    );
    expect(a.method).toBe('tokens');
    expect(a.parseError).toBeDefined();
    expect(names(a)).toEqual(expect.arrayContaining(['__class__', '_module', '__builtins__', '__import__']));
    expect(a.freeNames).not.toContain('for');
  });

  it('falls back to the text when even the lexer refuses the template', () => {
    const a = analyseTemplate("{{ x.__class__ }}{{ '\\q' }}{{ y['\\x5f_globals__'] }}");
    expect(a.method).toBe('text');
    expect(names(a)).toEqual(expect.arrayContaining(['__class__', '__globals__']));
  });

  it('survives nesting that exhausts the parser, and bounds size', () => {
    const deep = `{{ ${'('.repeat(50_000)}x.__class__${')'.repeat(50_000)} }}`;
    const a = analyseTemplate(deep);
    expect(a.parseError).toBe('nesting too deep to parse');
    expect(names(a)).toContain('__class__');
    const big = analyseTemplate('x'.repeat(JINJA_LIMITS.maxTemplateChars + 1));
    expect(big).toMatchObject({ method: 'none', limit: 'maxTemplateChars' });
  });

  it('bounds the accesses it records', () => {
    const a = analyseTemplate(`{{ ${Array.from({ length: 50 }, (_, i) => `m.a${i}`).join(' + ')} }}`, {
      ...JINJA_LIMITS,
      maxAccesses: 10,
    });
    expect(a.accesses).toHaveLength(10);
    expect(a.limit).toBe('maxAccesses');
  });
});

describe('foldString', () => {
  it('returns undefined for anything not a pure string operation', () => {
    expect(foldString({ type: 'Identifier', value: 'x' })).toBeUndefined();
    expect(foldString({ type: 'StringLiteral', value: 'ok' })).toBe('ok');
  });
});
