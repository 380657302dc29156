// The simulated kubelet: see agent.ts (controller), stages.ts (timeline data), lifecycle.ts (steps).
export { nodeAgentController, selectorMatches, stageDelayMs, type NodeAgentOptions } from './agent.js';
export { DEFAULT_STAGES, PROFILES, crashBackOffMs, type PodStage, type StageProfile, type StageSelector, type StageDelay, type StageStep } from './stages.js';
export { normalizeImage, imageID, parseDuration, goDuration, PodIPAM } from './runtime.js';
