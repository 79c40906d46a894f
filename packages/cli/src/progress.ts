/**
 * The progress line on stderr: one line rewritten in place (files done/total and the current artifact),
 * used only when stderr is a terminal. Redraws are throttled so large trees do not flood the terminal.
 */
import { escapeTerminal, type ProgressEvent } from '@vacsrp/scanner';
import type { OutStream } from './output.js';

const CLEAR_LINE = '\r\x1b[2K';
const MIN_REDRAW_MS = 80;

export class ProgressLine {
  private done = 0;
  private total = 0;
  private current = '';
  private hashing = '';
  private lastDraw = Number.NEGATIVE_INFINITY;
  private drawn = false;

  constructor(
    private readonly stream: OutStream,
    private readonly now: () => number = Date.now,
  ) {}

  readonly onEvent = (event: ProgressEvent): void => {
    switch (event.kind) {
      case 'walk':
        this.total = event.files;
        break;
      case 'artifact-start':
        this.total = event.total;
        this.current = event.path;
        this.hashing = '';
        break;
      case 'artifact-done':
        this.done++;
        break;
      case 'digest':
        // Digests run ahead on worker threads; only the current artifact's progress is shown.
        if (event.path !== this.current) return;
        this.hashing = event.size > 0 ? ` (hashing ${Math.floor((event.bytes / event.size) * 100)}%)` : '';
        break;
      default: {
        // A new event kind must be handled here; at run time it is ignored, not fatal to the scan.
        const unhandled: never = event;
        return void unhandled;
      }
    }
    this.draw(event.kind === 'artifact-done' && this.done === this.total);
  };

  /** Removes the line so the next message starts on a clean line. */
  clear(): void {
    if (this.drawn) this.stream.write(CLEAR_LINE);
    this.drawn = false;
  }

  private draw(force: boolean): void {
    const t = this.now();
    if (!force && t - this.lastDraw < MIN_REDRAW_MS) return;
    this.lastDraw = t;
    const width = Math.max(20, (this.stream.columns ?? 80) - 1);
    const head = `vacsrp: ${this.done}/${this.total} files`;
    const room = width - head.length - 3 - this.hashing.length;
    const tail =
      this.current === '' ? '' : ` · ${keepEnd(escapeTerminal(this.current), room)}${this.hashing}`;
    this.stream.write(CLEAR_LINE + head + tail);
    this.drawn = true;
  }
}

/** Keeps the end of a path, where the file name is, when it is too wide. */
function keepEnd(s: string, width: number): string {
  const chars = [...s];
  if (chars.length <= width) return s;
  return width <= 1 ? '…' : `…${chars.slice(chars.length - width + 1).join('')}`;
}
