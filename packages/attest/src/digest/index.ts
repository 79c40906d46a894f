export { DigestError, type DigestErrorCode } from './errors.js';
export { createDigestPool, type DigestMode, type DigestPool, type DigestPoolOptions } from './pool.js';
