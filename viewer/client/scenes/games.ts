// Building blocks of the multi-agent game scenes (soccer, navigation, pong,
// the board games): reading the per-agent part of a render state and the
// per-agent fields of a match frame (core/match-record.ts), side and agent
// colours, and text drawn into the 3D scene (a name over a robot, a
// scoreboard) as camera-facing sprites.
//
// Game coordinates (x, y) on a table or field seen from above are drawn at
// three.js (x, 0, -y), as in the CarRacing scene: +y points away from the
// default camera, so it shows as "up" on the screen.
import * as THREE from 'three';
import type { Frame } from '../../../core/episode.js';
import type { MatchFrame } from '../../../core/match-record.js';

/** Side colours in order (side 0 blue, side 1 red, ...), shared by the scenes and the overlay. */
export const SIDE_COLORS = [0x2f6bd8, 0xd8423a, 0x2e9e5b, 0x8e44ad, 0xd9a03f, 0x17a2b8] as const;
/** Colours for the agents of one cooperative side (navigation), one each. */
export const AGENT_COLORS = [0x2f6bd8, 0xe0622b, 0x2e9e5b, 0x8e44ad, 0xd9a03f, 0x17a2b8, 0xc2185b, 0x5d6d7e] as const;

export function css(color: number): string {
  return `#${color.toString(16).padStart(6, '0')}`;
}

/** What a game's render state says about one agent (each game fills some of these). */
export interface AgentState {
  readonly x?: number;
  readonly y?: number;
  readonly vx?: number;
  readonly vy?: number;
  readonly team?: string;
  readonly mark?: number;
  readonly lastAction?: unknown;
  readonly reward?: number;
  readonly return?: number;
}

/** The render state's `agents` (by agent id), or null when it has none. */
export function agentsOf(state: Frame['state']): Readonly<Record<string, AgentState>> | null {
  const a = state.agents;
  return typeof a === 'object' && a !== null && !Array.isArray(a) ? (a as Record<string, AgentState>) : null;
}

/** Whether every frame's agents (all of `names`) have numeric x and y. */
export function agentsHavePositions(frames: readonly Frame[], names?: readonly string[]): boolean {
  return frames.every((f) => {
    const agents = agentsOf(f.state);
    if (!agents) return false;
    const list = names ?? Object.keys(agents);
    return list.length > 0 && list.every((n) => isNum(agents[n]?.x) && isNum(agents[n]?.y));
  });
}

export function isNum(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v);
}

/** A point { x, y } of the render state, or null. */
export function pointOf(v: unknown): { x: number; y: number } | null {
  if (typeof v !== 'object' || v === null) return null;
  const p = v as { x?: unknown; y?: unknown };
  return isNum(p.x) && isNum(p.y) ? { x: p.x, y: p.y } : null;
}

/** The multi-agent fields of a frame (absent on single-agent records and on the last frame). */
export function matchFields(frame: Frame): Partial<Pick<MatchFrame, 'actor' | 'actions' | 'rewards' | 'agentOverlays'>> {
  return frame as Partial<MatchFrame>;
}

/** A number from the header, or the default. */
export function headerNumber(header: Readonly<Record<string, unknown>>, key: string, fallback: number): number {
  const v = header[key];
  return isNum(v) ? v : fallback;
}

/** One run of text in a TextSprite, in its own colour. */
export interface TextPart {
  readonly text: string;
  readonly color?: string;
  readonly bold?: boolean;
}

export interface TextSpriteOptions {
  /** World height of the sprite (the canvas height). */
  readonly height: number;
  /** Canvas size in pixels; the text is centred and shrunk to fit. */
  readonly width?: number;
  readonly pixels?: number;
  /** Background of the pill behind the text, or null for none. */
  readonly background?: string | null;
  readonly color?: string;
  readonly font?: string;
  /** Drawn over everything else (a name above a robot stays readable). */
  readonly onTop?: boolean;
}

/** An agent's name on a tag of its colour, `height` tall, drawn over everything else; the caller places `.sprite`. */
export function nameTag(agent: string, color: number, height: number): TextSprite {
  const tag = new TextSprite({ height, width: 256, pixels: 64, background: css(color), color: '#ffffff', onTop: true });
  tag.set(agent);
  return tag;
}

/** A scoreboard: white text on a dark pill, `height` tall. */
export function scoreboard(height: number): TextSprite {
  return new TextSprite({ height, width: 1024, pixels: 96, background: 'rgba(38, 48, 59, 0.92)', color: '#ffffff' });
}

/**
 * Text in the scene that always faces the camera: a canvas of fixed size
 * (so the texture never changes size) with the text centred on a rounded
 * pill. Redrawn only when the text changes.
 */
export class TextSprite {
  readonly sprite: THREE.Sprite;
  private readonly canvas = document.createElement('canvas');
  private readonly texture: THREE.CanvasTexture;
  private shown = '';

  constructor(private readonly options: TextSpriteOptions) {
    const w = options.width ?? 512;
    const h = options.pixels ?? 96;
    this.canvas.width = w;
    this.canvas.height = h;
    this.texture = new THREE.CanvasTexture(this.canvas);
    this.texture.colorSpace = THREE.SRGBColorSpace;
    this.texture.anisotropy = 4;
    const mat = new THREE.SpriteMaterial({ map: this.texture, transparent: true, depthWrite: false, depthTest: !options.onTop, fog: false });
    this.sprite = new THREE.Sprite(mat);
    this.sprite.scale.set((options.height * w) / h, options.height, 1);
    if (options.onTop) this.sprite.renderOrder = 10;
  }

  set(parts: string | readonly TextPart[]): void {
    const list: readonly TextPart[] = typeof parts === 'string' ? [{ text: parts }] : parts;
    const key = JSON.stringify(list);
    if (key === this.shown) return;
    this.shown = key;
    const { width: w, height: h } = this.canvas;
    const ctx = this.canvas.getContext('2d')!;
    ctx.clearRect(0, 0, w, h);
    const font = (bold: boolean | undefined, size: number) => `${bold === false ? '' : 'bold '}${size}px ${this.options.font ?? 'DejaVu Sans, Arial, sans-serif'}`;
    let size = Math.round(h * 0.62);
    const measure = () =>
      list.reduce((sum, p) => {
        ctx.font = font(p.bold, size);
        return sum + ctx.measureText(p.text).width;
      }, 0);
    let textW = measure();
    const pad = h * 0.32;
    if (textW + 2 * pad > w) {
      size = Math.max(8, Math.floor((size * (w - 2 * pad)) / textW));
      textW = measure();
    }
    if (this.options.background !== null) {
      const bw = Math.min(w, textW + 2 * pad);
      const r = h * 0.3;
      ctx.fillStyle = this.options.background ?? 'rgba(255, 255, 255, 0.85)';
      ctx.beginPath();
      ctx.roundRect((w - bw) / 2, h * 0.06, bw, h * 0.88, r);
      ctx.fill();
    }
    let x = (w - textW) / 2;
    ctx.textBaseline = 'middle';
    for (const p of list) {
      ctx.font = font(p.bold, size);
      ctx.fillStyle = p.color ?? this.options.color ?? '#26303b';
      ctx.fillText(p.text, x, h / 2 + size * 0.04);
      x += ctx.measureText(p.text).width;
    }
    this.texture.needsUpdate = true;
  }

  dispose(): void {
    this.texture.dispose();
    this.sprite.material.dispose();
  }
}

/** A flat rectangle on the ground (a painted line), from (x0, y0) to (x1, y1) in game coordinates. */
export function flatRect(x0: number, y0: number, x1: number, y1: number, mat: THREE.Material, lift = 0.002): THREE.Mesh {
  const m = new THREE.Mesh(new THREE.PlaneGeometry(Math.abs(x1 - x0), Math.abs(y1 - y0)), mat);
  m.rotation.x = -Math.PI / 2;
  m.position.set((x0 + x1) / 2, lift, -(y0 + y1) / 2);
  m.receiveShadow = true;
  return m;
}

/** The outline of a rectangle as four painted lines of width `w`. */
export function outline(x0: number, y0: number, x1: number, y1: number, w: number, mat: THREE.Material, lift = 0.002): THREE.Mesh[] {
  return [
    flatRect(x0 - w / 2, y0 - w / 2, x1 + w / 2, y0 + w / 2, mat, lift),
    flatRect(x0 - w / 2, y1 - w / 2, x1 + w / 2, y1 + w / 2, mat, lift),
    flatRect(x0 - w / 2, y0 + w / 2, x0 + w / 2, y1 - w / 2, mat, lift),
    flatRect(x1 - w / 2, y0 + w / 2, x1 + w / 2, y1 - w / 2, mat, lift),
  ];
}

/** A flat ring on the ground around (x, y). */
export function flatRing(inner: number, outer: number, mat: THREE.Material, segments = 48): THREE.Mesh {
  const m = new THREE.Mesh(new THREE.RingGeometry(inner, outer, segments), mat);
  m.rotation.x = -Math.PI / 2;
  return m;
}

/** Basic (unlit) material for painted marks and glows. */
export function paint(color: number, opacity = 1): THREE.MeshBasicMaterial {
  return new THREE.MeshBasicMaterial({ color, ...(opacity < 1 ? { transparent: true, opacity, depthWrite: false } : {}) });
}

/** The colour a fraction `t` (0..1) of the way from `a` to `b`. */
export function lerpColor(a: number, b: number, t: number): number {
  const c = new THREE.Color(a).lerp(new THREE.Color(b), Math.max(0, Math.min(1, t)));
  return c.getHex();
}

/** A board game's render state (envs/games/board.ts): cells row-major from the top, 0 empty, 1 player_0, 2 player_1. */
export interface BoardState {
  readonly rows: number;
  readonly cols: number;
  readonly board: readonly number[];
  readonly toMove: string | null;
  readonly winner: string | null;
  readonly winningLine: readonly number[] | null;
  readonly illegalMoveBy: string | null;
}

/** The board of a frame, or null when the state is not a board of `rows` x `cols`. */
export function boardOf(state: Frame['state'], rows?: number, cols?: number): BoardState | null {
  const s = state as Partial<Record<keyof BoardState, unknown>>;
  if (!isNum(s.rows) || !isNum(s.cols) || !Array.isArray(s.board) || s.board.length !== s.rows * s.cols) return null;
  if ((rows !== undefined && s.rows !== rows) || (cols !== undefined && s.cols !== cols)) return null;
  return {
    rows: s.rows,
    cols: s.cols,
    board: s.board as number[],
    toMove: typeof s.toMove === 'string' ? s.toMove : null,
    winner: typeof s.winner === 'string' ? s.winner : null,
    winningLine: Array.isArray(s.winningLine) ? (s.winningLine as number[]) : null,
    illegalMoveBy: typeof s.illegalMoveBy === 'string' ? s.illegalMoveBy : null,
  };
}

/** The mark (1, 2) of each agent: from the header's `marks`, else player_0 1 and player_1 2. */
export function marksOf(header: Readonly<Record<string, unknown>>): Record<string, number> {
  const m = header.marks;
  if (typeof m === 'object' && m !== null && Object.values(m).every(isNum)) return { ...(m as Record<string, number>) };
  return { player_0: 1, player_1: 2 };
}

/** The cell a frame's move fills, comparing its board with the next frame's (-1 when none changed). */
export function placedCell(before: readonly number[], after: readonly number[] | undefined): number {
  if (!after) return -1;
  for (let i = 0; i < before.length; i++) if (before[i] !== after[i]) return i;
  return -1;
}

/**
 * The status line over a board: whose move (in that player's colour), the
 * winner, a draw, or an illegal move that ended the game.
 */
export function boardStatus(b: BoardState, names: Readonly<Record<string, string>>, colors: Readonly<Record<string, number>>): TextPart[] {
  const who = (agent: string): TextPart => ({ text: `${agent}${names[agent] ? ` (${names[agent]})` : ''}`, color: css(colors[agent] ?? 0x26303b) });
  if (b.illegalMoveBy) return [who(b.illegalMoveBy), { text: ' made an illegal move', bold: false }];
  if (b.winner) return [who(b.winner), { text: ' wins', bold: false }];
  if (b.toMove) return [who(b.toMove), { text: ' to move', bold: false }];
  return [{ text: 'draw', bold: false }];
}

/** Text painted flat on the ground (a cell's number on a board), `size` world units square, centred at the origin. */
export function flatText(text: string, size: number, color = '#6b7683'): THREE.Mesh {
  const canvas = document.createElement('canvas');
  canvas.width = 128;
  canvas.height = 128;
  const ctx = canvas.getContext('2d')!;
  ctx.fillStyle = color;
  ctx.font = 'bold 84px DejaVu Sans, Arial, sans-serif';
  ctx.textAlign = 'center';
  ctx.textBaseline = 'middle';
  ctx.fillText(text, 64, 70);
  const texture = new THREE.CanvasTexture(canvas);
  texture.colorSpace = THREE.SRGBColorSpace;
  const m = new THREE.Mesh(new THREE.PlaneGeometry(size, size), new THREE.MeshBasicMaterial({ map: texture, transparent: true, depthWrite: false }));
  m.rotation.x = -Math.PI / 2;
  return m;
}
