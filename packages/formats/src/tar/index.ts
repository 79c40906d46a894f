export { tarEntries } from './reader.js';
export {
  TAR_ANOMALY_CODES,
  TAR_LIMITS,
  type TarAnomaly,
  type TarAnomalyCode,
  type TarEntry,
  type TarEntryType,
  type TarItem,
  type TarLimits,
} from './types.js';
