/**
 * The exports on a constructed comparison: the per-lab results and the degrees of equivalence as
 * CSV and JSON, and a lab's result as a DCC 3.3.0 file (element order of the schema's sequences,
 * D-SI quantities with expanded uncertainties, escaping, the equivalence only when it may be seen).
 * The file was validated against PTB's dcc.xsd 3.3.0 with D-SI 2.2 when this was written; the
 * schema is not vendored, so this test holds the structure that validated.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeKeyPair } from '../../src/integrity/seal.js';
import { comparisonResults } from '../../src/pilot/analysis/results.js';
import { parsePilotConfig } from '../../src/pilot/config.js';
import { coverageProbability, dccXml } from '../../src/pilot/export/dcc.js';
import { equivalenceCsv, resultsCsv, resultsJson } from '../../src/pilot/export/csv.js';
import type { ReadingRow } from '../../src/pilot/types.js';

/** RFC 4180 rows as objects by header (quotes and doubled quotes; an independent reader). */
function parse(text: string, _o: { columns: true }): Record<string, string>[] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') (field += '"'), i++;
      else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') row.push(field), (field = '');
    else if (c === '\n') row.push(field), rows.push(row), (row = []), (field = '');
    else if (c !== '\r') field += c;
  }
  const [header, ...body] = rows;
  return body.map((r) => Object.fromEntries(header!.map((h, i) => [h, r[i] ?? ''])));
}

const dir = mkdtempSync(join(tmpdir(), 'tg-pilot-exports-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const key = writeKeyPair(join(dir, 'gw.key'));
const parsed = parsePilotConfig(
  `
comparison: { id: CMP-X, title: "A 10 V comparison", pilot: PTB, labs: [PTB, NPL, LNE, PTB], standards: [ { id: Z1, nominal: 10, description: "Fluke 732B s/n 1", reference: { t0: "2026-01-01T00:00:00Z", x0: 10.000001, uX0: 1.0e-7, driftPerDay: 1.0e-8, uDriftPerDay: 1.0e-9, uTransport: 5.0e-8 } } ] }
gateways: [ { id: gw-npl, lab: NPL, publicKeys: ["${key.publicKeyFile}"] } ]
broker: { url: "mqtt://127.0.0.1", clientId: p }
results:
  dcc:
    language: en
    laboratories:
      PTB: { name: "Physikalisch-Technische Bundesanstalt", city: Braunschweig, countryCode: DE }
      NPL: { name: "National Physical Laboratory", countryCode: GB }
`,
  {},
);
if (!parsed.ok) throw new Error(parsed.issues.map((i) => `${i.path}: ${i.message}`).join('\n'));
const config = parsed.config;
const std = config.comparison.standards[0]!;
const T0 = Date.parse('2026-01-01T00:00:00Z');
const DAY = 86_400_000;
const visit = (lab: string, day: number, offset: number): ReadingRow[] =>
  [-1, 0, 1].map((k, i) => ({ gateway: `gw-${lab}`, seq: i + 1, lab, standard: 'Z1', time: T0 + (day + k) * DAY, value: 10.000001 + 1e-8 * (day + k) + offset + [1e-8, -2e-8, 1e-8][i]!, u: null, unit: 'V', verified: true }));
const readings = [...visit('PTB', 5, 0), ...visit('NPL', 20, 1e-7), ...visit('LNE', 40, -1e-7)];
const declared = [
  { lab: 'PTB', standard: 'Z1', uB: 2e-7, note: 'DMM & <reference>', time: T0 },
  { lab: 'NPL', standard: 'Z1', uB: 3e-7, note: null, time: T0 },
];
// LNE declared nothing: its result is incomplete, listed, and not in the reference value.
const results = comparisonResults(std, config.comparison.labs, readings, declared, 2, 3);

describe('exports', () => {
  it('writes the per-lab results and the degrees of equivalence as CSV', () => {
    const rows = parse(resultsCsv([results]), { columns: true }) as Record<string, string>[];
    expect(rows.map((r) => [r.lab, r.complete])).toEqual([
      ['PTB', 'true'],
      ['NPL', 'true'],
      ['LNE', 'false'],
    ]);
    const npl = results.labs.find((l) => l.lab === 'NPL')!;
    expect(rows[1]).toMatchObject({ standard: 'Z1', unit: 'V', n: '3', mean: String(npl.mean), u_B: '3e-7', En: String(npl.En), k: '2', mean_epoch: '2026-01-21T00:00:00.000Z' });
    expect(rows[2]!.issues).toMatch(/no type B uncertainty declared/);
    const eq = parse(equivalenceCsv([results]), { columns: true }) as Record<string, string>[];
    expect(eq.map((r) => r.lab)).toEqual(['PTB', 'NPL']);
    expect(eq[0]).toMatchObject({ x_ref: String(results.reference!.value), chi2: String(results.reference!.chi2), dof: '1', provisional: 'true' });
    expect(Number(eq[0]!.U_d)).toBeCloseTo(2 * Number(eq[0]!.u_d), 20);
  });

  it('writes JSON with every result, marked provisional, without NaN', () => {
    const json = JSON.parse(resultsJson([results])) as { provisional: boolean; standards: { labs: { lab: string }[]; reference: { provisional: boolean } }[] };
    expect(json.provisional).toBe(true);
    expect(json.standards[0]!.labs.map((l) => l.lab)).toEqual(['PTB', 'NPL', 'LNE']);
    expect(json.standards[0]!.reference.provisional).toBe(true);
  });

  it("writes a lab's result as a DCC 3.3.0 file", () => {
    const result = results.labs.find((l) => l.lab === 'PTB')!;
    const xml = dccXml({ config, standard: std, result, comparison: results, withEquivalence: true, software: { name: 'travelgate', version: '9.9.9' }, now: Date.parse('2026-03-04T05:06:07Z') });
    expect(xml).toMatch(/^<\?xml version="1.0" encoding="UTF-8"\?>\n<dcc:digitalCalibrationCertificate xmlns:dcc="https:\/\/ptb.de\/dcc" xmlns:si="https:\/\/ptb.de\/si"/);
    expect(xml).toMatch(/xsi:schemaLocation="https:\/\/ptb.de\/dcc https:\/\/ptb.de\/dcc\/v3.3.0\/dcc.xsd" schemaVersion="3.3.0"/);
    // The schema's sequences: coreData and measurementResult in their order.
    const order = (from: string, to: string) => [...xml.slice(xml.indexOf(from), xml.indexOf(to)).matchAll(/<dcc:(\w+)[ >]/g)].map((m) => m[1]);
    expect(order('<dcc:coreData>', '</dcc:coreData>')).toEqual(['coreData', 'countryCodeISO3166_1', 'usedLangCodeISO639_1', 'mandatoryLangCodeISO639_1', 'uniqueIdentifier', 'beginPerformanceDate', 'endPerformanceDate', 'performanceLocation', 'issueDate']);
    expect(xml).toContain('<dcc:countryCodeISO3166_1>DE</dcc:countryCodeISO3166_1>'); // the pilot lab's, from `laboratories`
    expect(xml).toContain('<dcc:uniqueIdentifier>CMP-X/Z1/PTB</dcc:uniqueIdentifier>');
    expect(xml).toContain('<dcc:performanceLocation>laboratory</dcc:performanceLocation>');
    expect(xml).toContain('<dcc:issueDate>2026-03-04</dcc:issueDate>');
    expect(xml).toContain('<dcc:content lang="en">Physikalisch-Technische Bundesanstalt</dcc:content>');
    expect(xml).toMatch(/<dcc:location>\s*<dcc:city>Braunschweig<\/dcc:city>\s*<dcc:countryCode>DE<\/dcc:countryCode>/);
    expect(xml).toContain('DMM &amp; &lt;reference&gt;'); // the lab's note, escaped
    expect(xml).toMatch(/<dcc:declaration>\s*<dcc:content lang="en">Provisional: /);
    // The mean with U = k·u, and the degree of equivalence against the reference value.
    const mean = new RegExp(
      `<dcc:quantity refType="basic_measuredValue">[\\s\\S]*?<si:value>${result.mean}</si:value>\\s*<si:unit>\\\\volt</si:unit>\\s*<si:dateTime>2026-01-06T00:00:00.000Z</si:dateTime>\\s*` +
        `<si:measurementUncertaintyUnivariate>\\s*<si:expandedMU>\\s*<si:valueExpandedMU>${2 * result.u}</si:valueExpandedMU>\\s*<si:coverageFactor>2</si:coverageFactor>\\s*<si:coverageProbability>0.95</si:coverageProbability>`,
    );
    expect(xml).toMatch(mean);
    expect(xml).toMatch(/refType="travelgate_typeBUncertainty">[\s\S]*?<si:value>2e-7<\/si:value>/);
    expect(xml).toMatch(/refType="travelgate_normalizedError">[\s\S]*?<si:unit>\\one<\/si:unit>/);
    const doe = results.equivalence.find((e) => e.lab === 'PTB')!;
    expect(xml).toMatch(new RegExp(`refType="travelgate_degreeOfEquivalence">[\\s\\S]*?<si:value>${doe.d}</si:value>[\\s\\S]*?<si:valueExpandedMU>${2 * doe.ud}</si:valueExpandedMU>`));
    const blind = dccXml({ config, standard: std, result, comparison: results, withEquivalence: false, software: { name: 'travelgate', version: '9.9.9' }, now: 0 });
    expect(blind).not.toContain('degreeOfEquivalence');
    // A lab without an entry in `laboratories` is named by its id, its location in words.
    const lne = dccXml({ config, standard: std, result: results.labs.find((l) => l.lab === 'LNE')!, comparison: results, withEquivalence: true, software: { name: 'travelgate', version: '9.9.9' }, now: 0 });
    expect(lne).toMatch(/<dcc:calibrationLaboratory>\s*<dcc:contact>\s*<dcc:name>\s*<dcc:content lang="en">LNE<\/dcc:content>\s*<\/dcc:name>\s*<dcc:location>\s*<dcc:further>/);
    expect(coverageProbability(2)).toBe(0.95);
    expect(coverageProbability(3)).toBe(0.997);
  });
});
