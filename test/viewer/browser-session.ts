// What the viewer's browser tests share: Debian's Chromium (never a
// downloaded browser), a viewer serving a fixture runs directory with a
// freshly built client, one page whose page and console errors are collected,
// and the git-ignored folder the screenshots go to.
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { chromium } from 'playwright-core';
import { afterEach, describe, expect, it } from 'vitest';
import { buildClient } from '../../viewer/build.mjs';
import type { Viewer } from '../../viewer/server.js';
import { startViewer } from '../../viewer/server.js';

export const CHROMIUM = '/usr/bin/chromium';
export const SHOTS = join(dirname(fileURLToPath(import.meta.url)), 'screenshots');

/** `describe(name, body)` where Chromium is installed; where it is missing, one failing test that says how to install it. */
export function describeInChromium(name: string, body: () => void): void {
  if (existsSync(CHROMIUM)) {
    describe(name, body);
    return;
  }
  describe(name, () => {
    it('needs Chromium', () => {
      throw new Error(`${CHROMIUM} is missing: the viewer's browser tests cannot run. Install it (apt-get install -y chromium); CI must.`);
    });
  });
}

export interface BrowserSession {
  readonly viewer: Viewer;
  readonly browser: Browser;
  readonly page: Page;
  close(): Promise<void>;
}

/**
 * Writes the fixture runs (`writeRuns` gets the runs directory), builds the
 * client, starts a viewer on a free port and opens a page of `viewport` in
 * headless Chromium (SwiftShader WebGL); page errors and console errors are
 * pushed to `errors`.
 */
export async function openBrowserSession(options: {
  readonly prefix: string;
  readonly viewport: { readonly width: number; readonly height: number };
  readonly writeRuns: (runsDir: string) => void;
  readonly errors: string[];
}): Promise<BrowserSession> {
  mkdirSync(SHOTS, { recursive: true });
  writeFileSync(join(SHOTS, '.gitignore'), '*\n');
  const tmp = mkdtempSync(join(tmpdir(), options.prefix));
  options.writeRuns(join(tmp, 'runs'));
  const clientDir = await buildClient({ outDir: join(tmp, 'client') });
  const viewer = await startViewer({ root: join(tmp, 'runs'), port: 0, clientDir });
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--enable-unsafe-swiftshader', '--use-angle=swiftshader'],
  });
  const page = await browser.newPage({ viewport: options.viewport });
  page.on('pageerror', (e) => options.errors.push(`page error: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') options.errors.push(`console error: ${m.text()}`);
  });
  return {
    viewer,
    browser,
    page,
    async close() {
      await browser.close();
      // A test may have stopped the viewer already (to see what pages do without it).
      await viewer.close().catch((e: NodeJS.ErrnoException) => {
        if (e.code !== 'ERR_SERVER_NOT_RUNNING') throw e;
      });
      rmSync(tmp, { recursive: true, force: true });
    },
  };
}

/**
 * Registers an afterEach that fails each test with the page and console errors pushed to `errors` during it
 * (and clears them, so the next test sees only its own). A test that expects errors removes them from
 * `errors` itself before it ends.
 */
export function failOnPageErrors(errors: string[]): void {
  afterEach(() => {
    const added = errors.splice(0);
    expect(added, added.join('\n')).toEqual([]);
  });
}

/** Resolves after n animation frames of `page`: whatever changed has been drawn, and a playing player had n chances to move. */
export function animationFrames(page: Page, n: number): Promise<unknown> {
  return page.evaluate(`new Promise((resolve) => { let left = ${n}; const tick = () => (--left > 0 ? requestAnimationFrame(tick) : resolve()); requestAnimationFrame(tick); })`);
}

/** The player stage's background colour (style.css), RGB. */
export const STAGE_BACKGROUND = [0xee, 0xf2, 0xf6] as const;

/**
 * In-page code that sets `data` to the RGBA pixels of the index-th WebGL stage
 * canvas, copied onto a 2D canvas (scaled to `size`, else at its own size):
 * the stage keeps its drawing buffer, so the copy reads the last frame. A
 * string because it runs in the page: the tests' tsconfig has no DOM types.
 */
export function stagePixelsScript(index = 0, size?: { width: number; height: number }): string {
  return `
    const source = document.querySelectorAll('canvas.stage-canvas')[${index}];
    const copy = document.createElement('canvas');
    copy.width = ${size ? size.width : 'source.width'};
    copy.height = ${size ? size.height : 'source.height'};
    const ctx = copy.getContext('2d');
    ctx.drawImage(source, 0, 0, copy.width, copy.height);
    const data = ctx.getImageData(0, 0, copy.width, copy.height).data;`;
}

/** Share of the pixels of the index-th WebGL stage canvas on `page` that differ clearly from the stage background. */
export async function drawnShare(page: Page, index = 0): Promise<number> {
  const [r, g, b] = STAGE_BACKGROUND;
  return (await page.evaluate(`(() => {${stagePixelsScript(index)}
    let drawn = 0;
    for (let p = 0; p < data.length; p += 4) {
      if (Math.abs(data[p] - ${r}) + Math.abs(data[p + 1] - ${g}) + Math.abs(data[p + 2] - ${b}) > 40) drawn++;
    }
    return drawn / (data.length / 4);
  })()`)) as number;
}
