/** Collects a file's components and problems under the per-file limits. */
import type { SupplyLimits } from './limits.js';
import { normalisePyPIName } from './names.js';
import { clip, isRequirementError, parseRequirement, pinnedVersion } from './pep508.js';
import type { Component, DependencyFileKind, DependencyInventory, DependencyProblem } from './types.js';

export class InventorySink {
  readonly components: Component[] = [];
  readonly problems: DependencyProblem[] = [];
  private dropped = 0;
  private full = false;

  constructor(
    readonly file: string,
    private readonly limits: SupplyLimits,
  ) {}

  add(c: Omit<Component, 'file'>): void {
    if (this.components.length >= this.limits.maxComponentsPerFile) {
      if (!this.full) {
        this.full = true;
        this.problem(
          'LIMIT',
          `more than ${this.limits.maxComponentsPerFile} components (maxComponentsPerFile): the rest are not listed`,
        );
      }
      return;
    }
    this.components.push({ ...c, file: this.file });
  }

  /** A PEP 508 requirement string (pyproject lists, a conda `pip:` section) as a PyPI component. */
  addRequirement(spec: string, at: { line?: number; column?: number } | undefined, context: string): void {
    const r = parseRequirement(spec);
    if (isRequirementError(r)) {
      this.problem('SYNTAX', `${context}: invalid requirement '${clip(spec)}': ${r.message}`, at);
      return;
    }
    const pinned = pinnedVersion(r.specifier);
    this.add({
      ecosystem: 'PyPI',
      name: normalisePyPIName(r.name),
      version: pinned ?? r.specifier,
      pinned: pinned !== undefined,
      hashed: false,
      ...(r.url !== undefined && { direct: r.url }),
      ...(r.marker !== undefined && { marker: r.marker }),
      ...at,
    });
  }

  problem(code: DependencyProblem['code'], message: string, at?: { line?: number; column?: number }): void {
    if (this.problems.length >= this.limits.maxProblemsPerFile) {
      this.dropped++;
      return;
    }
    this.problems.push({ code, message, file: this.file, ...at });
  }

  done(kind: DependencyFileKind, canHash: boolean): DependencyInventory {
    if (this.dropped > 0) {
      this.problems.push({
        code: 'LIMIT',
        message: `${this.dropped} further problems not listed (maxProblemsPerFile ${this.limits.maxProblemsPerFile})`,
        file: this.file,
      });
    }
    return { kind, components: this.components, problems: this.problems, canHash };
  }
}
