// Learning-rate schedule: linear warm-up, then cosine decay to a floor (MeCo §3):
//   lr(s) = peak · s / W                                              for s < W
//   lr(s) = peak · (f + (1 − f) · 0.5 · (1 + cos(π · (s − W) / (S − W))))  otherwise
// with W warm-up steps, S total steps and f the floor as a fraction of peak (0.1 in the paper).
// Steps count from 0 (the first optimiser step uses lr(0) = 0 when W > 0, as in the formula).

export interface LrSchedule {
  peak: number;
  warmupSteps: number;
  totalSteps: number;
  /** floor as a fraction of peak */
  floor: number;
}

export function learningRate(s: LrSchedule, step: number): number {
  if (step < s.warmupSteps) return (s.peak * step) / s.warmupSteps;
  const span = Math.max(1, s.totalSteps - s.warmupSteps);
  const progress = Math.min(1, (step - s.warmupSteps) / span);
  return s.peak * (s.floor + (1 - s.floor) * 0.5 * (1 + Math.cos(Math.PI * progress)));
}
