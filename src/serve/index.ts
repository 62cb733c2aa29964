// Public surface of the server: import from here rather than from the individual files.
export { LmlabServer } from './server.ts';
export type { ServerOptions, ServerStats, RequestEnd } from './server.ts';
export { ServedModel, loadServedModel } from './model.ts';
export type { ServedModelParts, SkipSettings, LoadServedOptions } from './model.ts';
export { Decoding } from './decode.ts';
export type { DecodeOptions, FinishReason, Piece, TokenLogprob } from './decode.ts';
export { ApiError } from './protocol.ts';
export { Admission, QueueFullError } from './admission.ts';
