// `lmlab engine`: what the native engine runs with on this machine.
import type { Command } from 'commander';
import { nativeInfo } from '../engine/native.ts';

export function registerEngineCommands(program: Command): void {
  program
    .command('engine')
    .description('print the native engine configuration (threads, SIMD level)')
    .option('--json', 'print JSON')
    .action((opts: { json?: boolean }) => {
      const info = nativeInfo();
      if (opts.json) console.log(JSON.stringify(info));
      else console.log(`native kernels: ${info.simd}, ${info.threads} threads (set LMLAB_THREADS to change)`);
    });
}
