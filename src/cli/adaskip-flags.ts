// The one call `lmlab generate` / `lmlab score` need to turn AdaSkip (or a baseline) on from
// their flags: --adaskip PROFILE --alpha A | --skip-count N --mode M --adaskip-compat
// --skip-method METHOD --skip-seed S. Parsing and checking only; the method is src/adaskip/.
import { LmlabError } from '../util/errors.ts';
import type { LlamaModel } from '../model/llama.ts';
import { createAdaSkipHooks, type AdaSkipController } from '../adaskip/controller.ts';
import { checkAlpha, DEFAULT_ALPHA, parseMethod, parseMode } from '../adaskip/plan.ts';
import { loadProfile } from '../adaskip/profile.ts';
import { numberFlag } from './flags.ts';

export interface AdaSkipFlags {
  /** profile path; without it AdaSkip is off (unless a profile-free baseline is asked for) */
  adaskip?: string;
  alpha?: string;
  skipCount?: string;
  mode?: string;
  adaskipCompat?: boolean;
  skipMethod?: string;
  skipSeed?: string;
}

/**
 * The controller for the given flags, or null when skipping is off (then install nothing: the
 * dense engine runs untouched). Use `controller.newSession(model, chunk)` in place of
 * `new InferenceSession(...)`, and `controller.stats()` afterwards.
 */
export function adaskipFromFlags(model: LlamaModel, flags: AdaSkipFlags): AdaSkipController | null {
  const method = parseMethod(flags.skipMethod ?? 'adaskip');
  const profileFree = method === 'early-exit' || method === 'skipdecode' || method === 'unified' || method === 'random';
  if (flags.adaskip === undefined && !(flags.skipMethod && profileFree)) {
    if (flags.alpha !== undefined || flags.skipCount !== undefined || flags.mode !== undefined || flags.adaskipCompat) {
      throw new LmlabError('--alpha, --skip-count, --mode and --adaskip-compat need --adaskip PROFILE');
    }
    return null;
  }
  const mode = parseMode(flags.mode ?? 'e2e');
  const n = flags.skipCount !== undefined ? numberFlag('--skip-count', flags.skipCount) : undefined;
  const alpha =
    flags.alpha !== undefined
      ? checkAlpha(numberFlag('--alpha', flags.alpha))
      : n === undefined
        ? DEFAULT_ALPHA
        : undefined;
  if (method === 'cost-aware')
    throw new LmlabError('cost-aware selection needs measured sublayer times: use lmlab adaskip bench');
  const profile = flags.adaskip !== undefined ? loadProfile(flags.adaskip, model) : null;
  return createAdaSkipHooks(model, profile, {
    method,
    mode,
    compat: flags.adaskipCompat ?? false,
    ...(n !== undefined ? { n } : {}),
    ...(alpha !== undefined ? { alpha } : {}),
    ...(flags.skipSeed !== undefined ? { seed: numberFlag('--skip-seed', flags.skipSeed) } : {}),
  });
}
