/** The program service: domain rules, store, jobs, HTTP API, and what the CLI needs to run and administer it. */
export const SERVICE_PACKAGE = '@vacsrp/service';

export * as annualReport from './annual/index.js';
export type { Context, Origin } from './app/context.js';
export { AppError } from './app/context.js';
export { actorOf, createToken, createUser, USER_ROLES, type User, type UserRole } from './app/identity.js';
export { createOrganisation, ORGANISATION_TYPES, SIZE_BANDS } from './app/organisations.js';
export * as outputs from './app/outputs/index.js';
export {
  ANNUAL_REPORT_FORMATS,
  type AnnualReportFile,
  type AnnualReportFormat,
  annualReportFor,
  currentFiscalYear,
  dashboardFor,
  isStatisticsFiscalYear,
  programRecords,
  STATISTICS_FISCAL_YEARS,
  StatisticsError,
} from './app/statistics.js';
export * as blobs from './blobs/index.js';
export * as dashboard from './dashboard/index.js';
export { type DemoPackage, demoPackage } from './demo/package.js';
export { DEMO_LOGINS, DEMO_PASSWORD, type DemoProgram, seedDemo } from './demo/seed.js';
export * as disclosure from './disclosure/index.js';
export * from './domain/actor.js';
export * from './domain/audit.js';
export * from './domain/findings.js';
export * from './domain/independence.js';
export * from './domain/result.js';
export * from './domain/submission.js';
export { buildApp, type HttpOptions } from './http/app.js';
export * as reports from './reports/index.js';
export { ConfigError, type ConfigFlags, configFrom, type ServiceConfig } from './runtime/config.js';
export {
  openRuntime,
  type RunningService,
  type Runtime,
  startJobWorker,
  startService,
} from './runtime/service.js';
export { readAudit, verifyAudit } from './store/audit.js';
export * as publicSummary from './summary/index.js';
