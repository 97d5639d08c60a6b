// Builds the viewer's browser client: bundles viewer/client/main.ts (with
// three, uPlot and the CSS it imports) into dist/viewer/client/app.js and
// app.css, and copies index.html next to them. Run by `npm run build:viewer`
// (part of `npm run build`); the server (viewer/server.ts) serves that folder.
// Plain JavaScript so it runs before (and without) the TypeScript build.
import { build } from 'esbuild';
import { copyFile, mkdir, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
export const DEFAULT_OUT_DIR = join(here, '..', 'dist', 'viewer', 'client');

/** Bundles the client into `outDir` (replacing what was there). */
export async function buildClient({ outDir = DEFAULT_OUT_DIR, minify = true } = {}) {
  await rm(outDir, { recursive: true, force: true });
  await mkdir(outDir, { recursive: true });
  await build({
    entryPoints: { app: join(here, 'client', 'main.ts') },
    outdir: outDir,
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: ['es2022'],
    minify,
    sourcemap: 'linked',
    legalComments: 'linked',
    logLevel: 'warning',
  });
  await copyFile(join(here, 'client', 'index.html'), join(outDir, 'index.html'));
  return outDir;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const out = await buildClient();
  process.stdout.write(`viewer client built into ${out}\n`);
}
