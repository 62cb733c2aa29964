// The one interface through which a method observes or skips sublayers (AdaSkip's calibration,
// its skip controller, tests): per-sublayer calls from the layer body, and request lifecycle
// events from the inference session (a request starts, a prefill chunk runs, a decode step runs
// and ends), so nothing outside the engine needs to wrap a session's methods.
//
// A skip decision is one number: the residual scale s that replaces the sublayer
// (x_after = s · x_before); null runs the sublayer. Not here: how a method chooses its plan.
import type { Tensor } from '../engine/tensor.ts';

export type SublayerKind = 'attn' | 'ffn';

export interface SublayerHooks {
  /** Called with the residual [N, d] before and after each sublayer (read-only views). */
  observe?(layer: number, kind: SublayerKind, before: Tensor, after: Tensor): void;
  /** Returns a residual scale to skip the sublayer, or null to run it. */
  skip?(layer: number, kind: SublayerKind): number | null;
  /** A request starts: the session's context was empty when this prefill or decode came. */
  requestStart?(): void;
  /** Before a prefill call of n tokens after `past` tokens of context (not for decode steps). */
  prefill?(past: number, n: number): void;
  /** Before a decode step whose token goes to position `past`. */
  decodeStep?(past: number): void;
  /** After that decode step's forward pass. */
  decodeStepEnd?(): void;
}
