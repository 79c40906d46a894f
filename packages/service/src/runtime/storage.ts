/** ArtifactStorage on the encrypted blob store: data keys unwrapped per call, blob errors mapped to storage refusals. */
import type { Readable } from 'node:stream';
import { type ArtifactStorage, StorageError, type StoredBlob } from '../app/storage.js';
import {
  type BlobStore,
  isBlobError,
  type MasterKey,
  newDataKey,
  unwrapDataKey,
  wrapDataKey,
} from '../blobs/index.js';

type KeyRef = { readonly wrapped: string; readonly submissionId: string };

/** The wrap context binds a data key to its submission: a key copied to another row does not unwrap. */
const context = (submissionId: string) => `vacsrp/submission/${submissionId}`;

export class BlobArtifactStorage implements ArtifactStorage {
  constructor(
    private readonly blobs: BlobStore,
    private readonly master: MasterKey,
  ) {}

  newWrappedKey(submissionId: string): string {
    return wrapDataKey(this.master, newDataKey(), context(submissionId));
  }

  private key(ref: KeyRef): Uint8Array {
    return unwrapDataKey(this.master, ref.wrapped, context(ref.submissionId));
  }

  async createUpload(
    uploadId: string,
    expect: { size: number; sha256: string; maxBytes: number },
  ): Promise<void> {
    await mapped(() =>
      this.blobs.createUpload(uploadId, {
        expectedSize: expect.size,
        expectedSha256: expect.sha256,
        maxBytes: expect.maxBytes,
      }),
    );
  }

  async uploadStatus(uploadId: string): Promise<{ received: number } | undefined> {
    try {
      const status = await this.blobs.uploadStatus(uploadId);
      return { received: status.received };
    } catch (error) {
      if (isBlobError(error, 'NOT_FOUND')) return undefined;
      throw error;
    }
  }

  append(uploadId: string, offset: number, body: Readable, ref: KeyRef): Promise<{ received: number }> {
    return mapped(() => this.blobs.appendUpload(uploadId, offset, body, this.key(ref)));
  }

  complete(uploadId: string, ref: KeyRef): Promise<StoredBlob> {
    return mapped(() => this.blobs.completeUpload(uploadId, this.key(ref)));
  }

  async abort(uploadId: string): Promise<void> {
    await this.blobs.abortUpload(uploadId);
  }

  put(body: Readable, ref: KeyRef, maxBytes: number): Promise<StoredBlob> {
    return mapped(() => this.blobs.put(body, this.key(ref), { maxBytes }));
  }

  read(blobKey: string, ref: KeyRef): Promise<Readable> {
    return mapped(() => this.blobs.get(blobKey, this.key(ref)));
  }
}

async function mapped<T>(f: () => Promise<T>): Promise<T> {
  try {
    return await f();
  } catch (error) {
    if (!isBlobError(error)) throw error;
    switch (error.code) {
      case 'OFFSET_MISMATCH':
      case 'TOO_LARGE':
      case 'DIGEST_MISMATCH':
      case 'SIZE_MISMATCH':
      case 'NOT_FOUND':
        throw new StorageError(error.code, error.message, error.detail.received);
      case 'INPUT_FAILED':
        throw new StorageError(
          'INCOMPLETE',
          'the upload stopped before its end; resume from the acknowledged offset',
          error.detail.received,
        );
      default:
        throw error;
    }
  }
}
