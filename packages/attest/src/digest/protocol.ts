/** Messages between the digest pool (main thread) and its worker threads. Plain data only. */

export interface WorkerConfig {
  readonly chunkBytes: number;
  readonly progressEvery: number;
}

/** Hash the already-opened descriptor `fd` (descriptors are process-wide; the pool owns and closes it). */
export interface DigestRequest {
  readonly id: number;
  readonly fd: number;
}

export type WorkerMessage =
  | { readonly kind: 'ready' }
  | { readonly kind: 'progress'; readonly id: number; readonly bytes: number }
  | { readonly kind: 'done'; readonly id: number; readonly hex: string; readonly bytes: number }
  | {
      readonly kind: 'error';
      readonly id: number;
      readonly code: string | undefined;
      readonly message: string;
    };
