/**
 * Pure statistics for the real-time metrology checks: online drift fit, drift-rate and
 * reading-against-prediction checks, CUSUM step detection, overlapping Allan deviation, and a
 * seeded random generator for tests and simulators. No I/O, no clocks; all state is plain JSON.
 */
export {
  OnlineLinearFit,
  fitPoints,
  type FitMode,
  type FitPoint,
  type FitResult,
  type LinearFitOptions,
  type LinearFitSnapshot,
  type Prediction,
} from './linear-fit.js';
export {
  DEFAULT_DRIFT_THRESHOLDS,
  checkDriftRate,
  checkReading,
  classify,
  driftRateScore,
  predictReference,
  type DriftRateCheck,
  type DriftRateInput,
  type DriftThresholds,
  type ReadingCheck,
  type ReadingCheckInput,
  type ReferenceModel,
  type ReferencePrediction,
  type Verdict,
} from './drift-checks.js';
export { Cusum, cusumArl, type CusumAlarm, type CusumOnset, type CusumOptions, type CusumSnapshot } from './cusum.js';
export { octaveFactors, overlappingAdev, type AllanOptions, type AllanPoint } from './allan.js';
export { createRng, type Rng, type RngState } from './random.js';
