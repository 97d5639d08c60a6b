// `arena export-tb`: rebuilds the TensorBoard event files of runs from their JSONL files and says where they are.
import { exportRunLogs } from '../experiments/tensorboard-run.js';

/** Exports every run under `path`, writing one line per run. */
export async function exportTbCommand(path: string, write: (line: string) => void): Promise<void> {
  const results = await exportRunLogs(path);
  for (const r of results) {
    const bad = Object.entries(r.badLines).map(([file, n]) => `${n} line(s) of ${file} are not JSON and were left out`);
    write(`${r.dir}: ${r.scalars} scalars -> ${r.file}${bad.length > 0 ? ` (${bad.join('; ')})` : ''}`);
  }
  write(`view with: tensorboard --logdir ${path}`);
}
