// `arena export-tb`: rebuilds the TensorBoard event files of finished runs from their JSONL files and says where they are.
import { exportRunLogs } from '../experiments/tensorboard-run.js';

/** Exports every run under `path`, writing one line per run; returns the exit code (1 when no run could be exported). */
export async function exportTbCommand(path: string, write: (line: string) => void): Promise<number> {
  const results = await exportRunLogs(path);
  for (const r of results) {
    if ('skipped' in r) {
      write(`${r.dir}: skipped, ${r.skipped}`);
      continue;
    }
    const bad = Object.entries(r.badLines).map(([file, n]) => `${n} line(s) of ${file} are not JSON and were left out`);
    write(`${r.dir}: ${r.scalars} scalars -> ${r.file}${bad.length > 0 ? ` (${bad.join('; ')})` : ''}`);
  }
  const written = results.filter((r) => !('skipped' in r)).length;
  if (written > 0) write(`view with: tensorboard --logdir ${path}`);
  return written > 0 ? 0 : 1;
}
