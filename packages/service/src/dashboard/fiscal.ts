/**
 * U.S. federal fiscal years: FY N runs from 1 October of N−1 to 30 September of N (31 U.S.C.
 * § 1102), so FY2027 is 2026-10-01..2027-09-30. Quarters are fiscal quarters: Q1 is
 * October–December. Dates are taken as their UTC calendar date.
 */

export const FISCAL_QUARTERS = ['Q1', 'Q2', 'Q3', 'Q4'] as const;
export type FiscalQuarter = (typeof FISCAL_QUARTERS)[number];

/** Smallest and largest fiscal year accepted (keeps labels four digits). */
export const FISCAL_YEAR_RANGE = Object.freeze({ min: 2000, max: 9998 });

export const isFiscalYear = (fy: number): boolean =>
  Number.isInteger(fy) && fy >= FISCAL_YEAR_RANGE.min && fy <= FISCAL_YEAR_RANGE.max;

/** The fiscal year a timestamp (ms since the epoch) falls in. */
export function fiscalYearOf(ms: number): number {
  const d = new Date(ms);
  return d.getUTCMonth() >= 9 ? d.getUTCFullYear() + 1 : d.getUTCFullYear();
}

/** The fiscal quarter a timestamp falls in (Q1 = Oct–Dec, Q2 = Jan–Mar, Q3 = Apr–Jun, Q4 = Jul–Sep). */
export function fiscalQuarterOf(ms: number): FiscalQuarter {
  const month = new Date(ms).getUTCMonth();
  return FISCAL_QUARTERS[Math.floor(((month + 3) % 12) / 3)] as FiscalQuarter;
}

/** First and last calendar day of a fiscal year, as `YYYY-MM-DD`. */
export function fiscalYearDates(fy: number): { readonly start: string; readonly end: string } {
  return { start: `${fy - 1}-10-01`, end: `${fy}-09-30` };
}

/** Whole calendar days (UTC dates) from `from` to `to`; a same-day completion is 0. */
export function daysBetween(from: number, to: number): number {
  const day = (ms: number): number => Math.floor(ms / 86_400_000);
  return day(to) - day(from);
}

/**
 * The median of a list of numbers: the middle value, or the mean of the two middle values
 * (which may end in .5). Undefined for an empty list.
 */
export function median(values: readonly number[]): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}
