import type { ZipAnomaly } from './types.js';

/** Collects anomalies up to a cap, then records one LIMIT_ANOMALY_COUNT and drops the rest. */
export class AnomalySink {
  readonly list: ZipAnomaly[] = [];
  private dropped = 0;

  constructor(private readonly max: number) {}

  /** True once further anomalies would be dropped (callers may skip the work of finding them). */
  get full(): boolean {
    return this.list.length >= this.max;
  }

  add(anomaly: ZipAnomaly): void {
    if (this.list.length < this.max) {
      this.list.push(anomaly);
      return;
    }
    if (this.dropped++ === 0) {
      this.list.push({
        code: 'LIMIT_ANOMALY_COUNT',
        message: 'too many anomalies; the rest were dropped',
        limit: this.max,
      });
    }
  }
}
