/**
 * Real-time metrology checks of the travelling standards (drift, steps, transport, settling,
 * environment, lifecycle): configuration, the engine, its place in the data flow and its reports.
 */
export { standardConfig, standardsConfig, parseStandard, type StandardConfig, type StandardConfigInput, type ChannelRef } from './config.js';
export { CheckEngine, CHECK_FLAGS, type ActionOutcome, type EngineSnapshot, type ProcessResult } from './engine.js';
export { CheckPipeline, type ActionResult, type PipelineJournal, type PipelineOptions } from './pipeline.js';
export { CheckpointFile, type Checkpoint } from './checkpoint.js';
export { LIFECYCLE_STATES, canTransition, isLifecycleState, type LifecycleState, type TransitionCause } from './lifecycle.js';
export { detail, summaries, type StandardDetail, type StandardSummary } from './summary.js';
export { DISQUALIFYING } from './standard.js';
export { declarationEvents, EVENT_DECLARED } from './declaration.js';
