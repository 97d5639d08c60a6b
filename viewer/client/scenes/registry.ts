// The scene registry: how the player finds a 3D scene for an episode. Scenes
// are registered under an env id prefix ('CartPole' covers CartPole-v1 and
// any later version); the longest registered prefix of the record's env id
// wins, so a specific scene can sit beside a general one. A scene draws only
// from the record (its header and each frame's render state), and a factory
// that finds the record's render states unlike what it expects declines, so
// the player falls back to showing the raw state as text rather than drawing
// nonsense. Car racing and multi-agent scenes register the same way; a
// multi-agent scene also names its sides and colours its agents for the overlay.
import type * as THREE from 'three';
import type { EpisodeRecord, Frame } from '../../../core/episode.js';

export interface EnvScene {
  /** Everything the scene draws, added to the stage once. */
  readonly root: THREE.Object3D;
  /** Where the camera starts and what it looks at. */
  readonly view: { readonly position: readonly [number, number, number]; readonly target: readonly [number, number, number] };
  /** Radius around the target that the shadow-casting light must cover. */
  readonly extent: number;
  /** Frames per second at 1x speed (the env's own time step where it has one). */
  readonly fps: number;
  /** Draws frame `index` of the episode. */
  show(frame: Frame, index: number): void;
  /** The point a following camera tracks (a cart, a car); absent where following means nothing. */
  focus?(): THREE.Vector3;
  /** A short description of an action, for the overlay; multi-agent scenes are told whose action it is. */
  actionLabel(action: Frame['action'], agent?: string): string;
  /** Names of the discrete actions, for the Q-value and probability bars. */
  readonly actionNames?: readonly string[];
  /** Multi-agent scenes: one agent's action names where they differ between agents (red's moves are turned by 180 degrees). */
  actionNamesOf?(agent: string): readonly string[] | undefined;
  /** Multi-agent scenes: each agent's colour (0xrrggbb) in the scene, for the overlay's per-agent rows. */
  readonly agentColors?: Readonly<Record<string, number>>;
  /** Multi-agent scenes: a name for each of the record's sides ('blue', 'red'), for the overlay. */
  readonly sideNames?: readonly string[];
  /**
   * Cameras the scene drives itself (a chase camera, a top view), offered
   * beside the free orbit camera; the player starts on the first. Absent: orbit only.
   */
  readonly cameras?: readonly SceneCamera[];
  /** The scene draws its own ground (the stage's floor and grid stay hidden). */
  readonly ownGround?: boolean;
  /** How far the camera sees (its far plane), for scenes larger than the stage's default 200 units. */
  readonly viewDistance?: number;
  /** Numbers from the frame's render state for the overlay (a car's speed, steering, pedals). */
  readouts?(frame: Frame): readonly Readout[];
  dispose(): void;
}

/** A camera pose as a function of the frame last shown. */
export interface SceneCamera {
  /** Short name, shown in the camera selector ('chase', 'top'). */
  readonly name: string;
  /** Where the camera is and what it looks at for the frame last shown; fog (near, far) optional. */
  pose(): { readonly position: THREE.Vector3; readonly target: THREE.Vector3; readonly fog?: readonly [number, number] };
}

/** One line of the overlay's readouts: a label, a value as text and optionally a bar. */
export interface Readout {
  readonly label: string;
  readonly text: string;
  /** Bar fill, 0..1 from the left; or -1..1 from the middle when `signed`. */
  readonly bar?: number;
  readonly signed?: boolean;
}

/** Builds a scene for a record, or returns null when the record does not fit the scene. */
export type SceneFactory = (episode: EpisodeRecord) => EnvScene | null;

const factories = new Map<string, SceneFactory>();
let fallback: SceneFactory | null = null;

/** Registers a scene for env ids starting with `prefix`. */
export function registerScene(prefix: string, factory: SceneFactory): void {
  factories.set(prefix, factory);
}

/** The scene for records nothing else fits. */
export function registerFallbackScene(factory: SceneFactory): void {
  fallback = factory;
}

/** The scene of the longest prefix that matches the record's env id and accepts it, else the fallback. */
export function createScene(episode: EpisodeRecord): EnvScene {
  const id = episode.env.id;
  const prefixes = [...factories.keys()].filter((p) => id.startsWith(p)).sort((a, b) => b.length - a.length);
  for (const p of prefixes) {
    const scene = factories.get(p)!(episode);
    if (scene) return scene;
  }
  if (!fallback) throw new Error('no fallback scene registered');
  return fallback(episode)!;
}

/** Whether every frame's render state has these numeric fields (what a scene checks before accepting a record). */
export function framesHaveNumbers(episode: EpisodeRecord, keys: readonly string[]): boolean {
  return episode.frames.every((f) => keys.every((k) => typeof f.state[k] === 'number' && Number.isFinite(f.state[k])));
}
