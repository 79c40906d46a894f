/** Encrypted artifact storage: envelope keys, the sealed stream format and the blob store. */
export type { Bytes } from './bytes.js';
export {
  BLOB_ERROR_CODES,
  BlobError,
  type BlobErrorCode,
  type BlobErrorDetail,
  isBlobError,
} from './errors.js';
export {
  generateMasterKeyFile,
  KEY_BYTES,
  loadMasterKeyFile,
  MAX_WRAP_CONTEXT_BYTES,
  MasterKey,
  type MasterKeyOptions,
  masterKeyFromEnvValue,
  newDataKey,
  unwrapDataKey,
  wrapDataKey,
  wrappedKeyId,
} from './keys.js';
export {
  HEADER_BYTES,
  openSealed,
  RECORD_HEADER_BYTES,
  RECORD_OVERHEAD,
  SEGMENT_PLAINTEXT_MAX,
  SegmentSealer,
  sealStream,
  TAG_BYTES,
} from './sealed.js';
export { type BlobStat, type BlobStore, FileBlobStore, type FileBlobStoreOptions } from './store.js';
export {
  type BlobInfo,
  type ByteSource,
  MAX_BLOB_BYTES,
  type UploadOptions,
  type UploadStatus,
} from './uploads.js';
