/** renderReportJson: golden bytes, and valid against report.schema.json for every shape of report. */
import { describe, expect, it } from 'vitest';
import { renderReportJson } from '../src/reports/index.js';
import {
  emptyReport,
  everyStatusReport,
  expectGolden,
  fixtureReport,
  reportSchemaValidator,
} from './fixtures/reports/helpers.js';

const validate = reportSchemaValidator();

describe('renderReportJson', () => {
  it('matches the golden file byte for byte', () => {
    expectGolden('report.json', renderReportJson(fixtureReport()));
  });

  it.each([
    ['the fixture', fixtureReport],
    ['a report with zero findings', emptyReport],
    ['a report with every status', everyStatusReport],
  ])('validates against the report schema: %s', (_name, make) => {
    expect(validate(JSON.parse(renderReportJson(make())))).toEqual([]);
  });

  it('sorts object keys and ends with a newline', () => {
    const text = renderReportJson(fixtureReport());
    expect(text.endsWith('}\n')).toBe(true);
    const keys = Object.keys(JSON.parse(text) as object);
    expect(keys).toEqual([...keys].sort());
  });

  it('the schema check can fail: unknown property, resolution on an open finding, wrong resolution kind', () => {
    const doc = JSON.parse(renderReportJson(fixtureReport()));
    expect(validate({ ...doc, extra: 1 })).not.toEqual([]);
    const open = structuredClone(doc);
    open.findings[0].resolution = doc.findings[2].resolution;
    expect(validate(open)).not.toEqual([]);
    const kind = structuredClone(doc);
    kind.findings[1].resolution = doc.findings[3].resolution;
    expect(validate(kind)).not.toEqual([]);
    const digest = structuredClone(doc);
    digest.scope.artifacts[0].sha256 = 'nothex';
    expect(validate(digest)).not.toEqual([]);
  });
});
