/** Signatures and attestations (OpenSSF model signing). */
export const ATTEST_PACKAGE = '@vacsrp/attest';
