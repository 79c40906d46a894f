/** The program service. The domain rules (pure functions over plain data) come first. */
export const SERVICE_PACKAGE = '@vacsrp/service';

export * as disclosure from './disclosure/index.js';
export * from './domain/actor.js';
export * from './domain/audit.js';
export * from './domain/findings.js';
export * from './domain/independence.js';
export * from './domain/result.js';
export * from './domain/submission.js';
export * as publicSummary from './summary/index.js';
