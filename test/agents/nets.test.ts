import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../../core/rng.js';
import { BackendError, initBackend, tf } from '../../agents/lib/backend.js';
import { copyWeights, getWeights, loadMlp, mlp, mlpInit, Optimizer, orthogonal, saveMlp } from '../../agents/lib/nets.js';
import { tempDirs } from '../helpers/temp-dirs.js';

const tempDir = tempDirs('nets');
beforeAll(async () => {
  await initBackend('wasm');
});

function outputs(net: ReturnType<typeof mlp>, x: number[][]): number[] {
  return tf.tidy(() => Array.from(net.apply(tf.tensor2d(x)).dataSync()));
}

describe('backend selection', () => {
  it('uses wasm here and explains how to get a missing backend', async () => {
    expect(await initBackend('wasm')).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
    await expect(initBackend('node')).rejects.toThrow(BackendError);
    await expect(initBackend('node')).rejects.toThrow(/needs @tensorflow\/tfjs-node.*npm install @tensorflow\/tfjs-node/);
    await expect(initBackend('tpu')).rejects.toThrow(/unknown backend "tpu"; choose one of auto, wasm, cpu, node, node-gpu/);
    await expect(initBackend('onnx')).rejects.toThrow(/backend 'onnx' names ONNX Runtime, not a TensorFlow.js backend/);
    expect(tf.getBackend()).toBe('wasm');
  });
});

describe('mlp', () => {
  it('orthogonal init has orthonormal columns scaled by the gain', () => {
    const rows = 8;
    const cols = 5;
    const w = orthogonal(rows, cols, 2, new Rng(1));
    for (let a = 0; a < cols; a++) {
      for (let b = 0; b < cols; b++) {
        let dot = 0;
        for (let r = 0; r < rows; r++) dot += w[r * cols + a]! * w[r * cols + b]!;
        expect(dot).toBeCloseTo(a === b ? 4 : 0, 4);
      }
    }
  });

  it("'pytorch' init draws weights and biases uniform in +-1/sqrt(fan in), as nn.Linear", () => {
    const [w0, b0, w1, b1] = mlpInit([400, 64, 3], new Rng(2), { init: 'pytorch' });
    for (const [values, fanIn] of [[w0!, 400], [b0!, 400], [w1!, 64], [b1!, 64]] as const) {
      const bound = 1 / Math.sqrt(fanIn);
      expect(Math.max(...values.map(Math.abs))).toBeLessThanOrEqual(bound);
      // uniform on [-bound, bound]: mean square bound^2 / 3, whose estimate from n draws has a
      // relative standard deviation of sqrt(4/45) * 3 / sqrt(n) = 0.894 / sqrt(n): within 4 of them
      const meanSquare = values.reduce((a, v) => a + v * v, 0) / values.length;
      expect(Math.abs(meanSquare / ((bound * bound) / 3) - 1)).toBeLessThan((4 * 0.894) / Math.sqrt(values.length));
    }
    expect(w0!.length).toBe(400 * 64);
    expect(b1!.length).toBe(3);
    expect(b1!.some((v) => v !== 0)).toBe(true);
  });

  it('the same seed gives the same weights; a different seed different ones', () => {
    const a = mlp([4, 16, 2], new Rng(3));
    const b = mlp([4, 16, 2], new Rng(3));
    const c = mlp([4, 16, 2], new Rng(4));
    expect(getWeights(a).data).toEqual(getWeights(b).data);
    expect(getWeights(a).data).not.toEqual(getWeights(c).data);
    [a, b, c].forEach((n) => n.dispose());
  });

  it('saves and loads as files with identical outputs', async () => {
    const net = mlp([3, 8, 8, 2], new Rng(5), { activation: 'relu' });
    const dir = tempDir();
    await saveMlp(net, dir, 'policy');
    const back = await loadMlp(dir, 'policy');
    const x = [
      [0.1, -0.2, 0.3],
      [1, 2, 3],
    ];
    expect(outputs(back, x)).toEqual(outputs(net, x));
    expect(back.sizes).toEqual([3, 8, 8, 2]);
    expect(back.activation).toBe('relu');
    net.dispose();
    back.dispose();
  });

  it('rejects bad sizes and a truncated weights file', async () => {
    expect(() => mlp([4], new Rng(0))).toThrow(/sizes must be at least \[input, output\]/);
    const net = mlp([2, 2], new Rng(0));
    const dir = tempDir();
    await saveMlp(net, dir);
    const { writeFileSync } = await import('node:fs');
    writeFileSync(join(dir, 'model.weights.bin'), new Uint8Array(4));
    await expect(loadMlp(dir)).rejects.toThrow(/has 4 bytes, .* describes 6 float32 values/);
    net.dispose();
  });

  it('copyWeights copies, or averages with tau', () => {
    const a = mlp([2, 3], new Rng(1));
    const b = mlp([2, 3], new Rng(2));
    const wa = getWeights(a).data;
    const wb = getWeights(b).data;
    copyWeights(a, b, 0.25);
    const mixed = getWeights(a).data;
    for (let i = 0; i < wa.length; i++) expect(mixed[i]).toBeCloseTo(0.25 * wb[i]! + 0.75 * wa[i]!, 6);
    copyWeights(a, b);
    expect(getWeights(a).data).toEqual(wb);
    a.dispose();
    b.dispose();
  });
});

describe('Optimizer', () => {
  function regression(seed: number) {
    const net = mlp([2, 16, 1], new Rng(seed));
    const x = tf.tensor2d([
      [0, 0],
      [0, 1],
      [1, 0],
      [1, 1],
    ]);
    const y = tf.tensor2d([[0], [1], [1], [0]]);
    const loss = () => tf.mean(tf.square(tf.sub(net.apply(x), y))) as tf.Scalar;
    return { net, x, y, loss };
  }

  it('reduces a loss, clips the gradient norm, and leaks no tensors', () => {
    const { net, x, y, loss } = regression(1);
    const opt = new Optimizer(net.variables, 0.01, { maxGradNorm: 0.5 });
    const first = opt.step(loss);
    const before = tf.memory().numTensors;
    let last = first;
    for (let i = 0; i < 300; i++) last = opt.step(loss);
    expect(tf.memory().numTensors).toBe(before);
    expect(last.loss).toBeLessThan(first.loss / 4);
    expect(first.gradNorm).toBeGreaterThan(0);
    [x, y].forEach((t) => t.dispose());
    net.dispose();
    opt.dispose();
  });

  it('a saved and restored optimizer continues exactly like the original', () => {
    const a = regression(2);
    const b = regression(2);
    const optA = new Optimizer(a.net.variables, 0.01);
    for (let i = 0; i < 5; i++) optA.step(a.loss);
    // b: same weights and Adam state, restored from a's snapshot
    const optB = new Optimizer(b.net.variables, 0.01);
    optB.step(b.loss); // moves b's weights and moments, then both are overwritten
    b.net.variables.forEach((v, i) => v.assign(a.net.variables[i]!));
    const saved = JSON.parse(JSON.stringify({ t: optA.getState().t, data: Array.from(optA.getState().data) })) as { t: number; data: number[] };
    optB.setState({ t: saved.t, data: Float32Array.from(saved.data) });
    for (let i = 0; i < 5; i++) {
      optA.step(a.loss);
      optB.step(b.loss);
    }
    expect(getWeights(b.net).data).toEqual(getWeights(a.net).data);
  });
});

describe('tensor bookkeeping', () => {
  it('building, loading, restoring and disposing nets and optimizers leaves no tensors behind', async () => {
    const before = tf.memory().numTensors;
    const net = mlp([4, 8, 2], new Rng(1));
    const opt = new Optimizer(net.variables, 0.01);
    const x = tf.tensor2d([[1, 2, 3, 4]]);
    opt.step(() => tf.sum(net.apply(x)) as tf.Scalar);
    opt.setState(opt.getState());
    const dir = tempDir();
    await saveMlp(net, dir);
    const back = await loadMlp(dir);
    const { setWeights } = await import('../../agents/lib/nets.js');
    setWeights(back, getWeights(net).data);
    [net, back, opt].forEach((o) => o.dispose());
    x.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});
