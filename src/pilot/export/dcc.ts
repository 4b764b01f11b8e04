/**
 * A lab's result as a Digital Calibration Certificate (PTB's DCC, schema 3.3.0, namespaces
 * https://ptb.de/dcc and https://ptb.de/si with D-SI 2.2), built with `xmlbuilder2` (escaping and
 * namespaces done by a maintained library, not by string concatenation).
 *
 * What it holds, in the DCC's rings (element order as the schema's sequences require):
 * - dcc:administrativeData: dcc:dccSoftware (travelgate and its version), dcc:coreData (the pilot
 *   lab's country when known, the language, a unique identifier `<comparison>/<standard>/<lab>`,
 *   the first and last day of the lab's verified readings, performance location `laboratory`, the
 *   issue date), dcc:items (the travelling standard, identified by its id in the comparison),
 *   dcc:calibrationLaboratory (the lab), dcc:respPersons (the pilot lab, which computed the
 *   result), dcc:customer (the comparison and its pilot lab), dcc:statements (that the result is
 *   provisional and what it rests on);
 * - dcc:measurementResults/dcc:measurementResult with dcc:usedMethods (how the value and its
 *   uncertainty were obtained) and dcc:results: the lab's mean at its mean epoch (si:real with
 *   si:dateTime and si:measurementUncertaintyUnivariate/si:expandedMU: value, coverage factor,
 *   coverage probability, normal distribution), its type A and type B standard uncertainties
 *   (si:standardMU), the pilot's model at that epoch, the difference from it with U(d), E_n
 *   (unit \one) and, when the caller may see it, the degree of equivalence against the provisional
 *   reference value.
 * Not in it: the signatures (ds:Signature, of the responsible persons or an electronic seal) and
 * postal addresses the pilot does not have. A lab without an entry in `results.dcc.laboratories`
 * is named by its id, with its location said in words (dcc:location/dcc:further).
 */
import chisquareCdf from '@stdlib/stats-base-dists-chisquare-cdf';
import { create } from 'xmlbuilder2';
import type { XMLBuilder } from 'xmlbuilder2/lib/interfaces.js';
import type { ComparisonResults, LabResult } from '../analysis/results.js';
import type { DccLaboratory, PilotConfig, PilotStandard } from '../config.js';

const DCC = 'https://ptb.de/dcc';
const SI = 'https://ptb.de/si';
const XSI = 'http://www.w3.org/2001/XMLSchema-instance';
export const DCC_SCHEMA_VERSION = '3.3.0';

/** Units of the standards this gateway knows, in D-SI notation. */
const D_SI: Record<string, string> = { V: '\\volt', A: '\\ampere', 'Ω': '\\ohm', ohm: '\\ohm', '°C': '\\degreecelsius', degC: '\\degreecelsius', K: '\\kelvin', Pa: '\\pascal', hPa: '\\hecto\\pascal', '1': '\\one', '': '\\one' };
export const dsiUnit = (unit: string): string => D_SI[unit] ?? unit;

/** Coverage probability of k for a normal distribution (P(|Z| ≤ k) = P(χ²₁ ≤ k²)); k = 2 is written 0.95, as is usual. */
export const coverageProbability = (k: number): number => (k === 2 ? 0.95 : Math.round(chisquareCdf(k * k, 1) * 1000) / 1000);

export interface DccInput {
  config: PilotConfig;
  standard: PilotStandard;
  result: LabResult;
  comparison: ComparisonResults;
  /** Include the degree of equivalence (the pilot, or a released comparison). */
  withEquivalence: boolean;
  software: { name: string; version: string };
  /** The issue date (UTC ms). */
  now: number;
}

export function dccXml(input: DccInput): string {
  const { config, standard, result: r, comparison } = input;
  const dcc = config.results.dcc;
  const lang = dcc.language;
  const pilot = config.comparison.pilot;
  const lab = (id: string): DccLaboratory => dcc.laboratories[id] ?? { name: id };
  const country = dcc.countryCode ?? dcc.laboratories[pilot]?.countryCode;
  const root = create({ version: '1.0', encoding: 'UTF-8' })
    .ele(DCC, 'dcc:digitalCalibrationCertificate')
    .att('http://www.w3.org/2000/xmlns/', 'xmlns:si', SI)
    .att('http://www.w3.org/2000/xmlns/', 'xmlns:xsi', XSI)
    .att(XSI, 'xsi:schemaLocation', `${DCC} https://ptb.de/dcc/v${DCC_SCHEMA_VERSION}/dcc.xsd`)
    .att('schemaVersion', DCC_SCHEMA_VERSION);
  const el = (parent: XMLBuilder, name: string) => parent.ele(name.startsWith('si:') ? SI : DCC, name);
  const text = (parent: XMLBuilder, name: string, value: string) => el(parent, name).txt(value);
  const content = (parent: XMLBuilder, value: string) => el(parent, 'dcc:content').att('lang', lang).txt(value);
  const named = (parent: XMLBuilder, name: string, value: string) => content(el(parent, name), value);
  const contact = (parent: XMLBuilder, who: DccLaboratory, fallback: string) => {
    named(parent, 'dcc:name', who.name);
    const location = el(parent, 'dcc:location');
    if (who.city) text(location, 'dcc:city', who.city);
    if (who.countryCode) text(location, 'dcc:countryCode', who.countryCode);
    if (!who.city && !who.countryCode) content(el(location, 'dcc:further'), fallback);
  };

  const admin = el(root, 'dcc:administrativeData');
  const software = el(el(admin, 'dcc:dccSoftware'), 'dcc:software');
  named(software, 'dcc:name', input.software.name);
  text(software, 'dcc:release', input.software.version);
  text(software, 'dcc:type', 'application');
  const core = el(admin, 'dcc:coreData');
  if (country) text(core, 'dcc:countryCodeISO3166_1', country);
  text(core, 'dcc:usedLangCodeISO639_1', lang);
  text(core, 'dcc:mandatoryLangCodeISO639_1', lang);
  text(core, 'dcc:uniqueIdentifier', `${config.comparison.id}/${standard.id}/${r.lab}`);
  text(core, 'dcc:beginPerformanceDate', day(r.from));
  text(core, 'dcc:endPerformanceDate', day(r.to));
  text(core, 'dcc:performanceLocation', 'laboratory');
  text(core, 'dcc:issueDate', day(input.now));
  const item = el(el(admin, 'dcc:items'), 'dcc:item');
  named(item, 'dcc:name', standard.description ?? `travelling standard ${standard.id} (${standard.nominal} ${standard.unit})`);
  const id = el(el(item, 'dcc:identifications'), 'dcc:identification');
  text(id, 'dcc:issuer', 'owner');
  text(id, 'dcc:value', standard.id);
  named(id, 'dcc:name', `travelling standard of ${config.comparison.id}`);
  contact(el(el(admin, 'dcc:calibrationLaboratory'), 'dcc:contact'), lab(r.lab), `participant ${r.lab} of ${config.comparison.id}`);
  const resp = el(el(admin, 'dcc:respPersons'), 'dcc:respPerson');
  named(el(resp, 'dcc:person'), 'dcc:name', lab(pilot).name);
  text(resp, 'dcc:role', `pilot laboratory of ${config.comparison.id}: computed this result from the data its receiver verified`);
  contact(el(admin, 'dcc:customer'), { ...lab(pilot), name: config.comparison.title ?? config.comparison.id }, `pilot laboratory ${pilot}`);
  const statement = el(el(admin, 'dcc:statements'), 'dcc:statement');
  named(statement, 'dcc:name', 'Provisional result');
  named(
    statement,
    'dcc:declaration',
    `Provisional: computed by travelgate pilot from ${r.n} readings of ${standard.id} that the laboratory's gateway marked verified, in records whose hash chain and seals the pilot verified, before the comparison's final evaluation.`,
  );

  const mr = el(el(root, 'dcc:measurementResults'), 'dcc:measurementResult');
  named(mr, 'dcc:name', `${config.comparison.id}: result of ${r.lab} for ${standard.id} (provisional)`);
  const method = el(el(mr, 'dcc:usedMethods'), 'dcc:usedMethod');
  named(method, 'dcc:name', 'Mean at reference conditions against the reference model of the pilot');
  named(
    method,
    'dcc:description',
    `Mean of ${r.n} verified readings at reference conditions at their mean epoch; type A: standard uncertainty of the linear drift fit at the mean epoch; ` +
      `type B: as declared by the laboratory${r.typeBNote ? ` (${r.typeBNote})` : ''}; reference model of the pilot: x0 + b·(t − t0); ` +
      `E_n = d / (k·u(d)) with k = ${comparison.k}.`,
  );
  const result = el(el(mr, 'dcc:results'), 'dcc:result');
  named(result, 'dcc:name', 'Value of the travelling standard');
  const data = el(result, 'dcc:data');
  const k = comparison.k;
  const unit = dsiUnit(r.unit);
  const quantity = (label: string, refType: string, value: number, qUnit: string, u?: { expanded?: number | null; standard?: number | null; time?: number }) => {
    const q = el(data, 'dcc:quantity').att('refType', refType);
    named(q, 'dcc:name', label);
    const real = el(q, 'si:real');
    text(real, 'si:value', String(value));
    text(real, 'si:unit', qUnit);
    if (u?.time !== undefined) text(real, 'si:dateTime', new Date(u.time).toISOString());
    if (u?.expanded != null && Number.isFinite(u.expanded)) {
      const mu = el(el(real, 'si:measurementUncertaintyUnivariate'), 'si:expandedMU');
      text(mu, 'si:valueExpandedMU', String(k * u.expanded));
      text(mu, 'si:coverageFactor', String(k));
      text(mu, 'si:coverageProbability', String(coverageProbability(k)));
      text(mu, 'si:distribution', 'normal');
    } else if (u?.standard != null && Number.isFinite(u.standard)) {
      const mu = el(el(real, 'si:measurementUncertaintyUnivariate'), 'si:standardMU');
      text(mu, 'si:valueStandardMU', String(u.standard));
      text(mu, 'si:distribution', 'normal');
    }
  };
  quantity('Mean value at the mean epoch, at reference conditions', 'basic_measuredValue', r.mean, unit, { expanded: r.complete ? r.u : null, time: r.meanEpoch });
  quantity('Type A standard uncertainty', 'travelgate_typeAUncertainty', r.uA, unit);
  if (r.uB !== null) quantity('Type B standard uncertainty, as declared by the laboratory', 'travelgate_typeBUncertainty', r.uB, unit);
  quantity("Reference model of the pilot at the mean epoch", 'travelgate_referenceModelValue', r.model.value, unit, { standard: r.model.u, time: r.meanEpoch });
  quantity("Difference from the pilot's reference model", 'travelgate_differenceFromModel', r.d, unit, { expanded: r.ud });
  quantity('E_n against the reference model', 'travelgate_normalizedError', Number.isFinite(r.En) ? r.En : 0, '\\one');
  const doe = comparison.equivalence.find((e) => e.lab === r.lab);
  if (input.withEquivalence && doe && comparison.reference) {
    quantity(`Degree of equivalence against the provisional reference value at ${comparison.reference.t0}`, 'travelgate_degreeOfEquivalence', doe.d, unit, { expanded: doe.ud });
  }
  return root.end({ prettyPrint: true });
}

const day = (t: number) => new Date(t).toISOString().slice(0, 10);
