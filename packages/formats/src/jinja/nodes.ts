/**
 * The shape of @huggingface/jinja AST nodes as this analysis reads them. The package does not export
 * its node classes, so nodes are read structurally by their `type` tag; unknown node types are still
 * walked through their properties, so a parser upgrade cannot hide a subtree from the analysis.
 */
export interface JinjaNode {
  readonly type: string;
  readonly value?: unknown;
  readonly operator?: { readonly value: string };
  readonly left?: JinjaNode;
  readonly right?: JinjaNode;
  readonly operand?: JinjaNode;
  readonly filter?: JinjaNode;
  readonly callee?: JinjaNode;
  readonly object?: JinjaNode;
  readonly property?: JinjaNode;
  readonly computed?: boolean;
  readonly args?: readonly JinjaNode[];
  readonly key?: JinjaNode;
  readonly body?: readonly JinjaNode[];
  readonly loopvar?: JinjaNode;
  readonly iterable?: JinjaNode;
  readonly assignee?: JinjaNode;
  readonly name?: JinjaNode;
  readonly call?: JinjaNode;
  readonly callerArgs?: readonly JinjaNode[] | null;
  readonly start?: JinjaNode;
  readonly stop?: JinjaNode;
  readonly step?: JinjaNode;
}

export function isNode(v: unknown): v is JinjaNode {
  return typeof v === 'object' && v !== null && typeof (v as { type?: unknown }).type === 'string';
}

/** Every node directly below `n`, in property order (Map-valued object literals included). */
export function childNodes(n: JinjaNode): JinjaNode[] {
  const out: JinjaNode[] = [];
  const add = (v: unknown) => {
    if (isNode(v)) out.push(v);
    else if (Array.isArray(v)) for (const x of v) add(x);
    else if (v instanceof Map)
      for (const [k, x] of v) {
        add(k);
        add(x);
      }
  };
  for (const [k, v] of Object.entries(n)) if (k !== 'operator') add(v);
  return out;
}
