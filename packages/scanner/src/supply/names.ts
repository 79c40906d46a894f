/**
 * Which files are dependency files. They are plain-text formats defined by their file NAMES, so this is
 * the one place the scanner routes by name; content that fails to parse is reported, never guessed at.
 */
import type { DependencyFileKind } from './types.js';

const REQUIREMENTS = /^(?:[\w.-]*[-_.])?(?:requirements|constraints)(?:[-_.][\w.-]*)?\.txt$/i;

/** The base name of a path or archive member (either separator). */
export function baseName(name: string): string {
  const i = Math.max(name.lastIndexOf('/'), name.lastIndexOf('\\'));
  return i < 0 ? name : name.slice(i + 1);
}

export function dependencyFileKind(name: string): DependencyFileKind | undefined {
  const base = baseName(name);
  switch (base) {
    case 'pyproject.toml':
      return 'pyproject';
    case 'poetry.lock':
      return 'poetry-lock';
    case 'Pipfile.lock':
      return 'pipfile-lock';
    case 'uv.lock':
      return 'uv-lock';
    case 'environment.yml':
    case 'environment.yaml':
      return 'conda-environment';
    case 'package-lock.json':
    case 'npm-shrinkwrap.json':
      return 'npm-lock';
  }
  if (REQUIREMENTS.test(base)) return 'requirements';
  // requirements/dev.txt, requirements/base.txt: the directory names the format.
  if (/(?:^|[/\\])requirements[/\\][^/\\]+\.txt$/i.test(name)) return 'requirements';
  return undefined;
}

/** PEP 503 normalised project name: runs of `-`, `_`, `.` become one `-`, lower case. */
export function normalisePyPIName(name: string): string {
  return name.replace(/[-_.]+/g, '-').toLowerCase();
}

/** 1-based line and column of a character offset. */
export function lineColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let start = 0;
  const end = Math.min(Math.max(0, offset), text.length);
  for (let i = text.indexOf('\n'); i !== -1 && i < end; i = text.indexOf('\n', i + 1)) {
    line++;
    start = i + 1;
  }
  return { line, column: end - start + 1 };
}

/** Searches from the start of the file when a value is not found after the previous one; bounded (CWE-400). */
const MAX_LOCATOR_RESTARTS = 64;

/**
 * Where values sit in the text, for formats whose parsers do not report positions (TOML, JSON).
 * Values are looked up in document order, so the search and the line count move forward together and
 * a whole file costs linear time; a value out of order is searched from the start a bounded number of
 * times, then left without a position.
 */
export class TextLocator {
  private cursor = 0;
  private counted = 0;
  private line = 1;
  private lineStart = 0;
  private restarts = 0;

  constructor(private readonly text: string) {}

  /** The next occurrence of `needle` (after the previous match when possible). */
  find(needle: string): { line: number; column: number } | undefined {
    let i = this.text.indexOf(needle, this.cursor);
    if (i < 0 && this.cursor > 0 && this.restarts < MAX_LOCATOR_RESTARTS) {
      this.restarts++;
      i = this.text.indexOf(needle);
      if (i >= 0) return lineColumn(this.text, i);
    }
    if (i < 0) return undefined;
    this.cursor = i + needle.length;
    return this.position(i);
  }

  /** A key at the start of a line (`\nkey`), reported at column 1 of that line. */
  findLineStart(key: string): { line: number; column: number } | undefined {
    if (this.cursor === 0 && this.text.startsWith(key)) {
      this.cursor = key.length;
      return { line: 1, column: 1 };
    }
    const at = this.find(`\n${key}`);
    return at && { line: at.line + 1, column: 1 };
  }

  private position(offset: number): { line: number; column: number } {
    for (
      let j = this.text.indexOf('\n', this.counted);
      j !== -1 && j < offset;
      j = this.text.indexOf('\n', j + 1)
    ) {
      this.line++;
      this.lineStart = j + 1;
    }
    this.counted = offset;
    return { line: this.line, column: offset - this.lineStart + 1 };
  }
}
