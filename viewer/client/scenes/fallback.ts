// The scene for envs no other scene knows (or records a scene declines): the
// frame's raw render state as text on a panel, so any record still plays.
import * as THREE from 'three';
import type { EpisodeRecord, Frame } from '../../../core/episode.js';
import type { EnvScene } from './registry.js';
import { registerFallbackScene } from './registry.js';
import { disposeTree } from './parts.js';

const W = 1024;
const H = 640;

function describe(action: Frame['action']): string {
  if (action === undefined) return '–';
  return typeof action === 'number' ? String(action) : `[${action.map((v) => +v.toFixed(3)).join(', ')}]`;
}

export function fallbackScene(episode: EpisodeRecord): EnvScene {
  const canvas = document.createElement('canvas');
  canvas.width = W;
  canvas.height = H;
  const ctx = canvas.getContext('2d')!;
  const texture = new THREE.CanvasTexture(canvas);
  texture.colorSpace = THREE.SRGBColorSpace;
  const panel = new THREE.Mesh(new THREE.PlaneGeometry(3.2, 2), new THREE.MeshBasicMaterial({ map: texture }));
  panel.position.y = 1.1;
  const root = new THREE.Group();
  root.add(panel);

  return {
    root,
    view: { position: [0, 1.1, 3.2], target: [0, 1.1, 0] },
    extent: 2,
    fps: 10,
    show(frame: Frame, index: number) {
      ctx.fillStyle = '#26303b';
      ctx.fillRect(0, 0, W, H);
      ctx.fillStyle = '#e8edf2';
      ctx.font = 'bold 34px sans-serif';
      ctx.fillText(`${episode.env.id}: no 3D scene, raw render state`, 36, 58);
      ctx.font = '26px monospace';
      ctx.fillStyle = '#9fd3a8';
      const text = JSON.stringify(frame.state, (_k, v: unknown) => (typeof v === 'number' && !Number.isInteger(v) ? +v.toFixed(4) : v), 2);
      const lines = [`frame ${index}`, ...text.split('\n')];
      lines.slice(0, 19).forEach((line, i) => ctx.fillText(line.length > 64 ? `${line.slice(0, 63)}…` : line, 36, 110 + i * 27));
      texture.needsUpdate = true;
    },
    actionLabel: describe,
    dispose: () => disposeTree(root),
  };
}

registerFallbackScene(fallbackScene);
