// `arena view <path>`: starts the viewer (viewer/server.ts) over a runs
// directory, an experiment, a run or an episode file, prints its address, and
// serves until Ctrl-C.
import { spawn } from 'node:child_process';
import type { Viewer } from '../viewer/server.js';
import { startViewer } from '../viewer/server.js';

export interface ViewCommandOptions {
  host: string;
  port: number;
  /** Also open the address in the system's browser. */
  open?: boolean;
  /** Further names the Host header may carry (viewer/server.ts, allowHosts). */
  allowHost?: string[];
}

/** Opens `url` with the platform's opener; a failure only prints a note (the address is printed anyway). */
function openBrowser(url: string, note: (line: string) => void): void {
  const [command, args] =
    process.platform === 'darwin' ? ['open', [url]] : process.platform === 'win32' ? ['cmd', ['/c', 'start', '', url]] : ['xdg-open', [url]];
  try {
    const child = spawn(command, args, { stdio: 'ignore', detached: true });
    child.on('error', () => note(`could not start ${command}; open ${url} yourself`));
    child.unref();
  } catch {
    note(`could not start ${command}; open ${url} yourself`);
  }
}

/** Starts the viewer and returns it; the process keeps serving until SIGINT/SIGTERM, which close it. */
export async function viewCommand(path: string, options: ViewCommandOptions, out: (line: string) => void = (l) => process.stdout.write(`${l}\n`)): Promise<Viewer> {
  const viewer = await startViewer({ root: path, host: options.host, port: options.port, ...(options.allowHost ? { allowHosts: options.allowHost } : {}) });
  if (viewer.portNote) out(viewer.portNote);
  out(`arena view: serving ${viewer.root}`);
  out(`open ${viewer.url}  (Ctrl-C to stop)`);
  if (options.host !== '127.0.0.1' && options.host !== 'localhost' && options.host !== '::1') {
    out(`note: listening on ${options.host}, so other machines can read these runs`);
  }
  if (options.open) openBrowser(viewer.url, out);
  const stop = (): void => {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    void viewer.close().finally(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  return viewer;
}
