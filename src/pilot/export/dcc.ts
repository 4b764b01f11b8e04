/**
 * A lab's result as a Digital Calibration Certificate-style XML file (PTB's DCC, schema 3.x,
 * namespaces https://ptb.de/dcc and https://ptb.de/si), built with `xmlbuilder2` (escaping and
 * namespaces done by a maintained library, not by string concatenation).
 *
 * What it holds, in the DCC's rings:
 * - dcc:administrativeData: dcc:dccSoftware (travelgate and its version), dcc:coreData (country
 *   and language codes, a unique identifier `<comparison>/<standard>/<lab>`, the first and last day
 *   of the lab's verified readings, performance location LABORATORY), dcc:items (the travelling
 *   standard), dcc:calibrationLaboratory (the lab), dcc:respPersons (the pilot lab, which computed
 *   the result) and dcc:customer (the comparison);
 * - dcc:measurementResults/dcc:measurementResult with dcc:usedMethods and dcc:results: the lab's
 *   mean at its mean epoch (si:real with si:value, si:unit in D-SI notation, si:dateTime and
 *   si:expandedUnc with si:uncertainty, si:coverageFactor, si:coverageProbability), the difference
 *   from the pilot's model with its expanded uncertainty, E_n (unit \one), and, when the
 *   comparison has a reference value and the caller may see it, the degree of equivalence.
 * It is "DCC-style": required parts the pilot cannot know (addresses, signatures of responsible
 * persons, the XAdES signature) are left out, so the file is not meant to validate against dcc.xsd.
 */
import { create } from 'xmlbuilder2';
import type { XMLBuilder } from 'xmlbuilder2/lib/interfaces.js';
import type { ComparisonResults, LabResult } from '../analysis/results.js';
import type { PilotConfig, PilotStandard } from '../config.js';

const DCC = 'https://ptb.de/dcc';
const SI = 'https://ptb.de/si';
export const DCC_SCHEMA_VERSION = '3.2.1';

/** Units of the standards this gateway knows, in D-SI notation. */
const D_SI: Record<string, string> = { V: '\\volt', A: '\\ampere', 'Ω': '\\ohm', ohm: '\\ohm', '°C': '\\degreecelsius', degC: '\\degreecelsius', K: '\\kelvin', Pa: '\\pascal', hPa: '\\hecto\\pascal', '1': '\\one', '': '\\one' };
export const dsiUnit = (unit: string): string => D_SI[unit] ?? unit;

export interface DccInput {
  config: PilotConfig;
  standard: PilotStandard;
  result: LabResult;
  comparison: ComparisonResults;
  /** Include the degree of equivalence (the pilot, or a released comparison). */
  withEquivalence: boolean;
  software: { name: string; version: string };
  /** ISO 3166-1 alpha-2 of the pilot lab; ISO 639-1 language. */
  countryCode?: string;
  language?: string;
}

export function dccXml(input: DccInput): string {
  const { config, standard, result: r, comparison } = input;
  const lang = input.language ?? 'en';
  const root = create({ version: '1.0', encoding: 'UTF-8' })
    .ele(DCC, 'dcc:digitalCalibrationCertificate')
    .att('http://www.w3.org/2000/xmlns/', 'xmlns:si', SI)
    .att('schemaVersion', DCC_SCHEMA_VERSION);
  const el = (parent: XMLBuilder, name: string) => parent.ele(name.startsWith('si:') ? SI : DCC, name);
  const text = (parent: XMLBuilder, name: string, value: string) => el(parent, name).txt(value);
  const named = (parent: XMLBuilder, name: string, content: string) => el(el(parent, name), 'dcc:content').att('lang', lang).txt(content);

  const admin = el(root, 'dcc:administrativeData');
  const software = el(el(admin, 'dcc:dccSoftware'), 'dcc:software');
  named(software, 'dcc:name', input.software.name);
  text(software, 'dcc:release', input.software.version);
  const core = el(admin, 'dcc:coreData');
  if (input.countryCode) text(core, 'dcc:countryCodeISO3166_1', input.countryCode);
  text(core, 'dcc:usedLangCodeISO639_1', lang);
  text(core, 'dcc:mandatoryLangCodeISO639_1', lang);
  text(core, 'dcc:uniqueIdentifier', `${config.comparison.id}/${standard.id}/${r.lab}`);
  text(core, 'dcc:beginPerformanceDate', day(r.from));
  text(core, 'dcc:endPerformanceDate', day(r.to));
  text(core, 'dcc:performanceLocation', 'LABORATORY');
  const item = el(el(admin, 'dcc:items'), 'dcc:item');
  named(item, 'dcc:name', standard.description ?? `travelling standard ${standard.id} (${standard.nominal} ${standard.unit})`);
  const id = el(el(item, 'dcc:identifications'), 'dcc:identification');
  text(id, 'dcc:issuer', 'customer');
  text(id, 'dcc:value', standard.id);
  named(el(el(admin, 'dcc:calibrationLaboratory'), 'dcc:contact'), 'dcc:name', r.lab);
  named(el(el(el(admin, 'dcc:respPersons'), 'dcc:respPerson'), 'dcc:person'), 'dcc:name', `${config.comparison.pilot} (pilot laboratory of ${config.comparison.id})`);
  named(el(admin, 'dcc:customer'), 'dcc:name', config.comparison.title ?? config.comparison.id);

  const mr = el(el(root, 'dcc:measurementResults'), 'dcc:measurementResult');
  named(mr, 'dcc:name', `${config.comparison.id}: result of ${r.lab} for ${standard.id} (provisional)`);
  const method = el(el(mr, 'dcc:usedMethods'), 'dcc:usedMethod');
  named(
    method,
    'dcc:name',
    `Mean of ${r.n} verified readings at reference conditions; type A: standard uncertainty of the linear drift fit at the mean epoch; ` +
      `type B: as declared by the laboratory${r.typeBNote ? ` (${r.typeBNote})` : ''}; model of the pilot: x0 + b·(t − t0)`,
  );
  const result = el(el(mr, 'dcc:results'), 'dcc:result');
  named(result, 'dcc:name', 'Value of the travelling standard');
  const data = el(result, 'dcc:data');
  const k = comparison.k;
  const quantity = (label: string, refType: string, value: number, unit: string, u: number | null, time?: number) => {
    const q = el(data, 'dcc:quantity').att('refType', refType);
    named(q, 'dcc:name', label);
    const real = el(q, 'si:real');
    text(real, 'si:value', String(value));
    text(real, 'si:unit', unit);
    if (time !== undefined) text(real, 'si:dateTime', new Date(time).toISOString());
    if (u !== null && Number.isFinite(u)) {
      const unc = el(real, 'si:expandedUnc');
      text(unc, 'si:uncertainty', String(k * u));
      text(unc, 'si:coverageFactor', String(k));
      text(unc, 'si:coverageProbability', '0.95');
      text(unc, 'si:distribution', 'normal');
    }
  };
  const unit = dsiUnit(r.unit);
  quantity('Mean value at the mean epoch, at reference conditions', 'basic_measuredValue', r.mean, unit, r.complete ? r.u : null, r.meanEpoch);
  quantity("Difference from the pilot's reference model", 'comparison_differenceFromModel', r.d, unit, r.ud);
  quantity('E_n against the reference model', 'comparison_normalizedError', Number.isFinite(r.En) ? r.En : 0, '\\one', null);
  const doe = comparison.equivalence.find((e) => e.lab === r.lab);
  if (input.withEquivalence && doe && comparison.reference) {
    quantity(`Degree of equivalence against the provisional reference value at ${comparison.reference.t0}`, 'comparison_degreeOfEquivalence', doe.d, unit, doe.ud);
  }
  return root.end({ prettyPrint: true });
}

const day = (t: number) => new Date(t).toISOString().slice(0, 10);
