/**
 * What the use cases need from artifact storage: per-submission data keys wrapped by the master key,
 * resumable encrypted uploads, and encrypted evidence files. blobs/ implements it on the filesystem.
 */
import type { Readable } from 'node:stream';

export interface StoredBlob {
  readonly key: string;
  readonly size: number;
  /** SHA-256 of the plaintext, hex. */
  readonly sha256: string;
}

export interface ArtifactStorage {
  /** A fresh data key for a submission, wrapped for storage in its row. */
  newWrappedKey(submissionId: string): string;
  createUpload(
    uploadId: string,
    expect: { readonly size: number; readonly sha256: string; readonly maxBytes: number },
  ): Promise<void>;
  /** Bytes durably received so far, or undefined when no such upload exists. */
  uploadStatus(uploadId: string): Promise<{ readonly received: number } | undefined>;
  append(
    uploadId: string,
    offset: number,
    body: Readable,
    key: { readonly wrapped: string; readonly submissionId: string },
  ): Promise<{ readonly received: number }>;
  complete(
    uploadId: string,
    key: { readonly wrapped: string; readonly submissionId: string },
  ): Promise<StoredBlob>;
  abort(uploadId: string): Promise<void>;
  put(
    body: Readable,
    key: { readonly wrapped: string; readonly submissionId: string },
    maxBytes: number,
  ): Promise<StoredBlob>;
  read(blobKey: string, key: { readonly wrapped: string; readonly submissionId: string }): Promise<Readable>;
}

/** Storage refusals the HTTP layer turns into 4xx answers. */
export class StorageError extends Error {
  override readonly name = 'StorageError';
  constructor(
    readonly code:
      | 'OFFSET_MISMATCH'
      | 'TOO_LARGE'
      | 'DIGEST_MISMATCH'
      | 'SIZE_MISMATCH'
      | 'NOT_FOUND'
      | 'INCOMPLETE',
    message: string,
    readonly received?: number,
  ) {
    super(message);
  }
}
