// The multi-agent game scenes and the per-agent overlay in a real headless
// browser (Debian's Chromium driven by playwright-core, WebGL through
// SwiftShader), on matches recorded here with core/match-record.ts's
// recordMatch (test/viewer/fixtures.ts's gameRecords: RobotSoccer,
// CooperativeNavigation, Pong competitive and cooperative, TicTacToe,
// ConnectFour). For each: the canvas is drawn, the picture changes while
// playing and stays put when paused, the overlay lists every agent by name
// (in the scene's colours) with who played each side, the agent overlays show
// as bars, and the scene's own checks; the run page lists a game's episode
// and opens it; no console or page errors in any test. Screenshots go to
// test/viewer/screenshots/ (git-ignored).
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Viewer } from '../../viewer/server.js';
import type { BrowserSession } from './browser-session.js';
import { SHOTS, animationFrames, describeInChromium, drawnShare, failOnPageErrors, openBrowserSession } from './browser-session.js';
import type { GameFixture } from './fixtures.js';
import { writeGameFixtures } from './fixtures.js';

const TIMEOUT = 90_000;
const NO_OVERLAYS = '.hud { visibility: hidden !important; }';
const FILE = 'step-0000020000-0.json';
const episode = (variant: string) => encodeURIComponent(['games', variant, 'seed-0', FILE].map(encodeURIComponent).join('/'));

interface GameCase {
  readonly variant: string;
  readonly agents: readonly string[];
  readonly controllers: string;
  /** Bars of the agent overlays at frame 0 (the number of actions). */
  readonly bars: number;
  /** Share of the canvas the scene covers at least. */
  readonly drawn: number;
  readonly check?: (page: Page, fixture: GameFixture) => Promise<void>;
}

const CASES: readonly GameCase[] = [
  {
    variant: 'soccer',
    agents: ['blue_0', 'blue_1', 'red_0', 'red_1'],
    controllers: 'blue: learner · red: scripted',
    bars: 10,
    drawn: 0.3,
    check: async (page) => {
      // Every robot acts at every step; the overlay shows blue_0's probabilities and can switch to blue_1's.
      for (const agent of ['blue_0', 'red_1']) {
        expect(await page.innerText(`[data-agent="${agent}"] .hud-agent-action`)).toMatch(/^(coast \(0\)|move [←↑→↓↖↗↘↙] \([1-8]\)|kick \(9\))$/);
      }
      expect(await page.inputValue('[data-testid="overlay-agent"]')).toBe('blue_0');
      await page.selectOption('[data-testid="overlay-agent"]', 'blue_1');
      expect(await page.getAttribute('.hud-match', 'data-overlay-agent')).toBe('blue_1');
      expect(await page.locator('[data-testid="agent-probs"] .hud-bar.chosen').count()).toBe(1);
      // The end: 2-1 to blue, so blue's robots have +1 and red's -1 (each goal is +-1 for every robot of a team).
      await page.click('[data-testid="last"]');
      expect(await page.innerText('[data-agent="blue_0"] .hud-agent-return')).toBe('1.00');
      expect(await page.innerText('[data-agent="red_0"] .hud-agent-return')).toBe('-1.00');
      expect(await page.innerText('.hud-return')).toBe('1.00');
      expect(await page.innerText('.pane-title')).toContain('return 1.00 (blue) in 416 steps');
    },
  },
  {
    variant: 'soccer-continuous',
    agents: ['blue_0', 'blue_1', 'red_0', 'red_1'],
    controllers: 'blue: scripted · red: learner',
    bars: 0,
    drawn: 0.3,
    check: async (page) => {
      // Continuous actions: acceleration (turned into the field's frame for red) and kick; the return is red's.
      expect(await page.innerText('[data-agent="red_0"] .hud-agent-action')).toMatch(/^accel \(-?\d\.\d\d, -?\d\.\d\d\)( kick)?$/);
      expect(await page.innerText('.pane-title')).toContain('(red) in 120 steps');
      expect(await page.inputValue('[data-testid="overlay-agent"]')).toBe('red_0');
      expect(await page.locator('[data-testid="agent-overlays"] canvas.hud-value').count()).toBe(1);
    },
  },
  {
    variant: 'navigation',
    agents: ['agent_0', 'agent_1', 'agent_2'],
    controllers: 'team: learner',
    bars: 5,
    drawn: 0.2,
    check: async (page) => {
      expect(await page.innerText('[data-agent="agent_0"] .hud-agent-action')).toMatch(/^(stay|left|right|down|up) \([0-4]\)$/);
      expect(await page.locator('[data-testid="agent-q"] .hud-bar').allInnerTexts()).toHaveLength(5);
      // The readouts: how far the landmarks are from their nearest agents, and collisions.
      expect(await page.innerText('[data-testid="readouts"]')).toMatch(/cover/);
    },
  },
  {
    variant: 'pong',
    agents: ['paddle_0', 'paddle_1'],
    controllers: 'paddle_0: learner · paddle_1: scripted',
    bars: 3,
    drawn: 0.2,
    check: async (page) => {
      await page.click('[data-testid="last"]');
      expect(await page.innerText('[data-agent="paddle_0"] .hud-agent-return')).toBe('3.00');
      expect(await page.innerText('[data-agent="paddle_1"] .hud-agent-return')).toBe('-3.00');
    },
  },
  {
    variant: 'pong-coop',
    agents: ['paddle_0', 'paddle_1'],
    controllers: 'paddle_0: learner · paddle_1: learner',
    bars: 3,
    drawn: 0.2,
  },
  {
    variant: 'tic-tac-toe',
    agents: ['player_0', 'player_1'],
    controllers: 'player_0: learner · player_1: random',
    bars: 9,
    drawn: 0.1,
    check: async (page, fixture) => {
      // Turns: the mover is marked, its move named; the bars follow whoever moves.
      expect(await page.innerText('.hud-action')).toMatch(/^player_0: /);
      expect(await page.locator('.hud-agent.actor').getAttribute('data-agent')).toBe('player_0');
      expect(await page.inputValue('[data-testid="overlay-agent"]')).toBe('@actor');
      await page.keyboard.press('ArrowRight');
      expect(await page.innerText('.hud-action')).toMatch(/^player_1: /);
      expect(await page.locator('.hud-agent.actor').getAttribute('data-agent')).toBe('player_1');
      expect(await page.getAttribute('.hud-match', 'data-overlay-agent')).toBe('player_1');
      await page.click('[data-testid="last"]');
      expect(await page.innerText('.hud-action')).toBe('– (terminated)');
      expect(await page.innerText('[data-agent="player_0"] .hud-agent-return')).toBe(fixture.record.returns.player_0 === 1 ? '1.00' : fmtSigned(fixture.record.returns.player_0!));
    },
  },
  {
    variant: 'connect-four',
    agents: ['player_0', 'player_1'],
    controllers: 'player_0: learner · player_1: random',
    bars: 7,
    drawn: 0.15,
    check: async (page) => {
      expect(await page.innerText('.hud-action')).toMatch(/^player_0: column [1-7]/);
      // player_1 has no overlays: its turn says so.
      await page.keyboard.press('ArrowRight');
      expect(await page.innerText('[data-testid="agent-q"]')).toBe('none at this frame');
    },
  },
];

function fmtSigned(v: number): string {
  return `${v < 0 ? '-' : ''}${Math.abs(v).toFixed(2)}`;
}

describeInChromium('game scenes in a browser', () => {
  let fixtures: GameFixture[];
  let session: BrowserSession;
  let viewer: Viewer;
  let page: Page;
  const errors: string[] = [];

  beforeAll(async () => {
    session = await openBrowserSession({
      prefix: 'arena-viewer-games-',
      viewport: { width: 1280, height: 900 },
      errors,
      writeRuns: (runs) => {
        fixtures = writeGameFixtures(runs);
      },
    });
    ({ viewer, page } = session);
  }, 60_000);

  afterAll(() => session?.close());
  failOnPageErrors(errors);

  const nextFrames = () => page.evaluate('new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)))');
  const frame = async () => Number(await page.getAttribute('[data-testid="player"]', 'data-frame'));
  const playing = async () => (await page.getAttribute('[data-testid="player"]', 'data-playing')) === 'true';
  const pause = () => page.evaluate(`document.querySelector('[data-testid="player"]').dataset.playing === 'true' && document.querySelector('[data-testid="play"]').click()`);

  async function openPlayer(query: string, panes = 1): Promise<void> {
    await page.goto(`${viewer.url}#/play?${query}`);
    await page.waitForSelector('[data-testid="player"][data-frame]');
    await expect.poll(() => page.locator('canvas.stage-canvas').count()).toBe(panes);
    await nextFrames();
  }

  async function canvasShot(): Promise<Buffer> {
    const clip = (await page.locator('canvas.stage-canvas').first().boundingBox())!;
    return page.screenshot({ clip, style: NO_OVERLAYS });
  }


  for (const game of CASES) {
    it(`${game.variant}: draws the scene, changes while playing and not when paused, lists the agents with their overlays`, async () => {
      const fixture = fixtures.find((f) => f.variant === game.variant)!;
      await openPlayer(`a=${episode(game.variant)}`);
      expect(await drawnShare(page)).toBeGreaterThan(game.drawn);
      expect(await frame()).toBe(0);
      await page.screenshot({ path: join(SHOTS, `game-${game.variant}-start.png`) });

      // The overlay: every agent by name, who played each side, the bars of the agent overlays.
      expect(await page.locator('[data-testid="agent-row"]').evaluateAll((rows) => rows.map((r) => (r as unknown as { dataset: { agent: string } }).dataset.agent))).toEqual(game.agents);
      expect(await page.locator('.hud-agent-name').allInnerTexts()).toEqual(game.agents);
      expect(await page.innerText('[data-testid="controllers"]')).toBe(game.controllers);
      expect(await page.locator('[data-testid="agent-overlays"] .hud-bar').count()).toBe(game.bars);
      expect(await page.locator('[data-testid="agent-overlays"] .hud-bar.chosen').count()).toBe(game.bars > 0 ? 1 : 0);
      expect(await page.innerText('.hud-frame')).toBe(`0 / ${fixture.record.frames.length - 1}`);

      // Playing: the frame counter moves and the picture changes (boards move twice a second).
      await page.click('[data-testid="play"]');
      const a = await canvasShot();
      const aFrame = await frame();
      await expect.poll(frame, { timeout: 5000 }).toBeGreaterThan(aFrame);
      await nextFrames();
      const b = await canvasShot();
      expect(a.equals(b)).toBe(false);

      // Paused: the counter and the picture stay put.
      await pause();
      expect(await playing()).toBe(false);
      const stopped = await frame();
      await nextFrames();
      const c = await canvasShot();
      await animationFrames(page, 18);
      const d = await canvasShot();
      expect(await frame()).toBe(stopped);
      expect(c.equals(d)).toBe(true);

      // The middle of the match, for the screenshot; then the game's own checks.
      const last = fixture.record.frames.length - 1;
      await page.locator('[data-testid="scrubber"]').fill(String(Math.floor(last / 2)));
      await nextFrames();
      await page.screenshot({ path: join(SHOTS, `game-${game.variant}.png`) });
      await page.click('[data-testid="first"]');
      await game.check?.(page, fixture);
      await page.click('[data-testid="last"]');
      await nextFrames();
      await page.screenshot({ path: join(SHOTS, `game-${game.variant}-end.png`) });
    }, TIMEOUT);
  }

  it("a game run's page lists its episode and plays it", async () => {
    await page.goto(`${viewer.url}#/run/games/soccer/seed-0`);
    await page.waitForSelector('[data-testid="episodes-table"] tbody tr');
    expect(await page.locator('[data-testid="episodes-table"] tbody tr').count()).toBe(1);
    await page.click('[data-testid="jump-best"]');
    await page.waitForSelector('[data-testid="player"][data-frame]');
    expect(await page.innerText('.pane-title')).toContain('RobotSoccer-v0');
    expect(await page.locator('[data-testid="agent-row"]').count()).toBe(4);
  }, TIMEOUT);

  it('two game records side by side', async () => {
    await openPlayer(`a=${episode('pong')}&b=${episode('pong-coop')}`, 2);
    expect(await drawnShare(page, 0)).toBeGreaterThan(0.1);
    expect(await drawnShare(page, 1)).toBeGreaterThan(0.1);
    await page.locator('[data-testid="scrubber"]').fill('150');
    expect(await page.locator('.hud-frame').allInnerTexts()).toEqual(['150 / 300', '150 / 489']);
    await nextFrames();
    await page.screenshot({ path: join(SHOTS, 'game-side-by-side.png') });
  }, TIMEOUT);
});
