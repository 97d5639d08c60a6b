// Builds the viewer's browser client: bundles viewer/client/main.ts (with
// three, uPlot and the CSS it imports) into dist/viewer/client/app.js and
// app.css, and copies index.html next to them. The player (and Three.js, most
// of the code) is split into chunks/ and loaded when a replay is first
// opened, so the curve pages start without it; index.html preloads the chunks
// app.js imports right away, saving a round trip. video.js is the headless
// video renderer's entry (viewer/video.ts), sharing the player's chunks. Run by `npm run build:viewer`
// (part of `npm run build`); the server (viewer/server.ts) serves that folder.
// Plain JavaScript so it runs before (and without) the TypeScript build.
// The play-live page bundles envs, whose seeded generator (core/rng.ts) imports
// node:crypto for entropy seeds: that import is pointed at a Web Crypto shim.
import { build } from 'esbuild';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

/** Resolves `node:crypto` (and seedrandom's optional `crypto`) to client/live/node-crypto.ts. */
const nodeCryptoShim = {
  name: 'node-crypto-shim',
  setup(b) {
    b.onResolve({ filter: /^(node:)?crypto$/ }, () => ({ path: join(here, 'client', 'live', 'node-crypto.ts') }));
  },
};
export const DEFAULT_OUT_DIR = join(here, '..', 'dist', 'viewer', 'client');

/** Bundles the client into `outDir` (replacing what was there). */
export async function buildClient({ outDir = DEFAULT_OUT_DIR, minify = true } = {}) {
  await rm(outDir, { recursive: true, force: true });
  await mkdir(outDir, { recursive: true });
  const result = await build({
    entryPoints: { app: join(here, 'client', 'main.ts'), video: join(here, 'client', 'video', 'headless.ts') },
    metafile: true,
    outdir: outDir,
    bundle: true,
    format: 'esm',
    splitting: true,
    chunkNames: 'chunks/[name]-[hash]',
    platform: 'browser',
    target: ['es2022'],
    minify,
    sourcemap: 'linked',
    legalComments: 'linked',
    plugins: [nodeCryptoShim],
    logLevel: 'warning',
  });
  const app = Object.entries(result.metafile.outputs).find(([, o]) => o.entryPoint !== undefined && o.entryPoint.endsWith('main.ts'));
  const eager = (app?.[1].imports ?? []).filter((i) => i.kind === 'import-statement').map((i) => relative(outDir, resolve(i.path)).split(sep).join('/'));
  const html = await readFile(join(here, 'client', 'index.html'), 'utf8');
  const preload = eager.map((href) => `<link rel="modulepreload" href="${href}" />`).join('\n    ');
  await writeFile(join(outDir, 'index.html'), preload ? html.replace('</head>', `  ${preload}\n  </head>`) : html);
  return outDir;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const out = await buildClient();
  process.stdout.write(`viewer client built into ${out}\n`);
}
