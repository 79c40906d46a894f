export { readZipDirectory } from './directory.js';
export { openZipEntry, readZipEntryHead } from './entry-reader.js';
export {
  ZIP_ANOMALY_CODES,
  ZIP_LIMITS,
  type ZipAnomaly,
  type ZipAnomalyCode,
  type ZipDirectory,
  type ZipEntry,
  type ZipEntryReader,
  type ZipEntrySource,
  type ZipLimits,
  type ZipReadOptions,
} from './types.js';
