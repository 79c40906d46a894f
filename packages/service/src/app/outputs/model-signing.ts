/**
 * The OpenSSF model-signing subject of an attestation: when the final revision carries the model's
 * signature (`model.sig`, a Sigstore bundle whose in-toto statement names the model-signing manifest
 * digest), the attestation names that digest too, so a buyer can tie the program's review to the
 * developer's own signature. The scan has already checked the signature against the files (VAC-SIG
 * rules); here it is only read. A signature too large or malformed adds nothing.
 */
import { DEFAULT_LIMITS, DEFAULT_SIGNATURE_NAME, parseBundle, parseStatement } from '@vacsrp/attest';
import type { Db } from '../../store/audit.js';
import type { Context } from '../context.js';

export async function modelSigningSubject(
  db: Db,
  ctx: Context,
  submissionId: string,
  revision: number,
): Promise<{ readonly name: string; readonly sha256: string } | undefined> {
  const candidates = await db
    .selectFrom('artifacts')
    .select(['path', 'blob_key'])
    .where('submission_id', '=', submissionId)
    .where('revision', '=', revision)
    .where('state', '=', 'stored')
    .where((eb) =>
      eb.or([eb('path', '=', DEFAULT_SIGNATURE_NAME), eb('path', 'like', `%/${DEFAULT_SIGNATURE_NAME}`)]),
    )
    .execute();
  // The signature at the package root signs the whole model; a nested one signs a part.
  const signature = candidates
    .filter(
      (c) =>
        c.blob_key !== null &&
        (c.path === DEFAULT_SIGNATURE_NAME || c.path.endsWith(`/${DEFAULT_SIGNATURE_NAME}`)),
    )
    .sort((a, b) => a.path.split('/').length - b.path.split('/').length || (a.path < b.path ? -1 : 1))[0];
  if (signature === undefined) return undefined;
  const sub = await db
    .selectFrom('submissions')
    .select('wrapped_key')
    .where('id', '=', submissionId)
    .executeTakeFirstOrThrow();
  const stream = await ctx.storage.read(signature.blob_key!, { wrapped: sub.wrapped_key, submissionId });
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of stream) {
    size += (chunk as Uint8Array).length;
    if (size > DEFAULT_LIMITS.maxSignatureBytes) {
      stream.destroy();
      return undefined;
    }
    chunks.push(chunk as Uint8Array);
  }
  const parsed = parseBundle(Buffer.concat(chunks), signature.path, DEFAULT_LIMITS);
  if (!parsed.ok) return undefined;
  const statement = parseStatement(parsed.bundle.payload, DEFAULT_LIMITS);
  if (!statement.ok) return undefined;
  return { name: statement.statement.subjectName, sha256: statement.statement.subjectDigest };
}
