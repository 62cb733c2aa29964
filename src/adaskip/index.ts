// AdaSkip's public surface. Not here: turning it on from command-line flags
// (src/cli/adaskip-flags.ts) and the CLI commands of the area (src/cli/adaskip.ts).

export { createAdaSkipHooks, AdaSkipController, ONLINE_STEPS, SKIPDECODE_RAMP_TOKENS } from './controller.ts';
export type { AdaSkipOptions, AdaSkipStats } from './controller.ts';
export { loadProfile, saveProfile, fingerprintModel, checkProfileMatches } from './profile.ts';
export type { AdaSkipProfile } from './profile.ts';
export { METHODS, MODES, parseMethod, parseMode, checkAlpha } from './plan.ts';
export type { SkipMethod, SkipMode, SkipSet } from './plan.ts';
export { calibrate, readPrompts, similarityTable } from './calibrate.ts';
