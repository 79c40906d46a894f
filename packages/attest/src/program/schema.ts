/**
 * JSON Schema (draft 2020-12) of the completion statement, published so that other verifiers can
 * check the shape without this library. in-toto publishes no schema of its own (see
 * shared/standards/in-toto/NOTES.md); this one encodes the Statement v1 rules our predicate relies
 * on plus the predicate. The parser is stricter still (order, canonical bytes, risk consistency).
 */
import {
  COMPLETION_PREDICATE_TYPE,
  CRITERION_OUTCOMES,
  MODEL_SIGNING_SUBJECT_KIND,
  RISK_SEVERITIES,
  STATEMENT_V1_TYPE,
} from './statement.js';

const id = { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9._:-]*$', maxLength: 128 } as const;
const time = {
  type: 'string',
  pattern: '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}Z$',
  format: 'date-time',
} as const;
const https = { type: 'string', format: 'uri', pattern: '^https://' } as const;

export const COMPLETION_STATEMENT_SCHEMA = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  $id: 'https://vacsrp.example.gov/attestation/completion/v1/statement.schema.json',
  title: 'vacsrp completion attestation (in-toto Statement v1)',
  type: 'object',
  additionalProperties: false,
  required: ['_type', 'subject', 'predicateType', 'predicate'],
  properties: {
    _type: { const: STATEMENT_V1_TYPE },
    predicateType: { const: COMPLETION_PREDICATE_TYPE },
    subject: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['name', 'digest'],
        properties: {
          name: { type: 'string', minLength: 1 },
          digest: {
            type: 'object',
            additionalProperties: false,
            required: ['sha256'],
            properties: { sha256: { type: 'string', pattern: '^[0-9a-f]{64}$' } },
          },
          annotations: {
            type: 'object',
            additionalProperties: false,
            required: ['kind'],
            properties: { kind: { const: MODEL_SIGNING_SUBJECT_KIND } },
          },
        },
      },
    },
    predicate: {
      type: 'object',
      additionalProperties: false,
      required: [
        'attestationId',
        'program',
        'criteriaVersion',
        'submission',
        'criteria',
        'acceptedRisks',
        'issuedAt',
        'expiresAt',
        'publicSummaryUrl',
      ],
      properties: {
        attestationId: id,
        program: {
          type: 'object',
          additionalProperties: false,
          required: ['name', 'url'],
          properties: { name: { type: 'string', minLength: 1 }, url: https },
        },
        criteriaVersion: id,
        submission: {
          type: 'object',
          additionalProperties: false,
          required: ['id', 'revision'],
          properties: { id, revision: { type: 'integer', minimum: 1 } },
        },
        criteria: {
          type: 'array',
          minItems: 1,
          items: {
            type: 'object',
            additionalProperties: false,
            required: ['id', 'outcome'],
            properties: { id, outcome: { enum: [...CRITERION_OUTCOMES] } },
          },
        },
        acceptedRisks: {
          type: 'array',
          items: {
            type: 'object',
            additionalProperties: false,
            required: ['criterion', 'severity', 'justification'],
            properties: {
              criterion: id,
              severity: { enum: [...RISK_SEVERITIES] },
              justification: { type: 'string', minLength: 1 },
            },
          },
        },
        issuedAt: time,
        expiresAt: time,
        publicSummaryUrl: https,
      },
    },
  },
} as const;
