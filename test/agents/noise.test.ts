import { describe, expect, it } from 'vitest';
import { Rng } from '../../core/rng.js';
import { GaussianNoise, makeNoise, OrnsteinUhlenbeckNoise, ouStationaryVariance } from '../../agents/lib/noise.js';

describe('Gaussian action noise', () => {
  it('is mean + sigma * the rng stream of normals, per dimension', () => {
    const noise = new GaussianNoise(2, { mean: [1, -1], sigma: [0.5, 2] });
    const stream = new Rng(7);
    const out = new Float64Array(2);
    const rng = new Rng(7);
    for (let t = 0; t < 5; t++) {
      noise.sample(rng, out);
      expect(out[0]).toBe(1 + 0.5 * stream.normal());
      expect(out[1]).toBe(-1 + 2 * stream.normal());
    }
    expect(noise.getState()).toEqual({ kind: 'gaussian', x: [] });
  });

  it('rejects bad parameters', () => {
    expect(() => new GaussianNoise(0, { sigma: 1 })).toThrow(/dim must be a positive integer/);
    expect(() => new GaussianNoise(2, { sigma: [1, 2, 3] })).toThrow(/sigma has 3 entries, the noise has 2 dimensions/);
    expect(() => new GaussianNoise(1, { sigma: -1 })).toThrow(/sigma must be >= 0/);
  });
});

describe('Ornstein-Uhlenbeck action noise', () => {
  it('follows x <- x + theta (mu - x) dt + sigma sqrt(dt) z by hand, from a fixed normal stream', () => {
    const theta = 0.5;
    const dt = 0.1;
    const sigma = 0.3;
    const mu = 0.2;
    const noise = new OrnsteinUhlenbeckNoise(1, { theta, dt, sigma, mean: mu });
    const rng = new Rng(3);
    const z = new Rng(3);
    const z1 = z.normal();
    const z2 = z.normal();
    const z3 = z.normal();
    // x0 = 0
    const x1 = 0 + 0.5 * (0.2 - 0) * 0.1 + 0.3 * Math.sqrt(0.1) * z1; // = 0.01 + 0.3 sqrt(0.1) z1
    const x2 = x1 + 0.5 * (0.2 - x1) * 0.1 + 0.3 * Math.sqrt(0.1) * z2;
    const x3 = x2 + 0.5 * (0.2 - x2) * 0.1 + 0.3 * Math.sqrt(0.1) * z3;
    const out = new Float64Array(1);
    expect(noise.sample(rng, out)[0]).toBeCloseTo(x1, 14);
    expect(noise.sample(rng, out)[0]).toBeCloseTo(x2, 14);
    expect(noise.sample(rng, out)[0]).toBeCloseTo(x3, 14);
    expect(noise.getState().x[0]).toBeCloseTo(x3, 14);
  });

  it('with sigma 0 decays to the mean geometrically: x_t = mu + (x0 - mu)(1 - theta dt)^t', () => {
    const noise = new OrnsteinUhlenbeckNoise(2, { theta: 1, dt: 0.25, sigma: 0, mean: [0, 1], initial: [4, -3] });
    const out = new Float64Array(2);
    const rng = new Rng(0);
    noise.sample(rng, out);
    expect(Array.from(out)).toEqual([3, -2]); // 4 * 0.75; 1 + (-4) * 0.75
    noise.sample(rng, out);
    expect(Array.from(out)).toEqual([2.25, -1.25]); // 4 * 0.75^2; 1 - 4 * 0.75^2
  });

  it('reset puts x back to its initial value; getState/setState resume exactly', () => {
    const a = new OrnsteinUhlenbeckNoise(3, { sigma: 0.5, initial: [0.1, 0.2, 0.3] });
    const rngA = new Rng(11);
    const out = new Float64Array(3);
    for (let t = 0; t < 10; t++) a.sample(rngA, out);
    const saved = JSON.parse(JSON.stringify({ noise: a.getState(), rng: rngA.getState() }));
    const b = new OrnsteinUhlenbeckNoise(3, { sigma: 0.5, initial: [0.1, 0.2, 0.3] });
    b.setState(saved.noise);
    const rngB = Rng.fromState(saved.rng);
    const outB = new Float64Array(3);
    for (let t = 0; t < 10; t++) {
      a.sample(rngA, out);
      b.sample(rngB, outB);
      expect(Array.from(outB)).toEqual(Array.from(out));
    }
    a.reset();
    expect(a.getState().x).toEqual([0.1, 0.2, 0.3]);
    expect(() => b.setState({ kind: 'gaussian', x: [] })).toThrow(/expected an ornstein-uhlenbeck state of 3 values/);
  });

  it('has stationary variance sigma^2 / (2 theta) (statistically, SB3 defaults theta 0.15, dt 0.01)', () => {
    // Correlation per step is 1 - theta dt = 0.9985, so consecutive samples are
    // nearly identical: 8 independent chains of 400k steps give about 2400
    // effective samples, a relative standard error of about 3% on the variance.
    const theta = 0.15;
    const dt = 0.01;
    const sigma = 0.5;
    const dims = 8;
    const noise = new OrnsteinUhlenbeckNoise(dims, { theta, dt, sigma });
    const rng = new Rng(2024);
    const out = new Float64Array(dims);
    const burnIn = 20_000; // ~ 3 / (theta dt) steps
    const steps = 400_000;
    let sum = 0;
    let sumSq = 0;
    for (let t = 0; t < burnIn + steps; t++) {
      noise.sample(rng, out);
      if (t < burnIn) continue;
      for (let i = 0; i < dims; i++) {
        sum += out[i]!;
        sumSq += out[i]! * out[i]!;
      }
    }
    const n = dims * steps;
    const mean = sum / n;
    const variance = sumSq / n - mean * mean;
    const expected = (sigma * sigma) / (2 * theta); // 0.8333
    expect(ouStationaryVariance(theta, sigma, dt) / expected).toBeCloseTo(1 / (1 - (theta * dt) / 2), 12); // discretization: +0.075%
    expect(Math.abs(variance / expected - 1)).toBeLessThan(0.12); // 4 standard errors
    expect(Math.abs(mean)).toBeLessThan(4 * Math.sqrt(expected / 2400));
  });

  it('reaches the discrete recurrence variance sigma^2 dt / (1 - (1 - theta dt)^2) when mixing is fast', () => {
    const theta = 2;
    const dt = 0.25; // correlation 0.5: variance sigma^2 * 0.25 / 0.75 = sigma^2 / 3, not sigma^2 / 4
    const sigma = 1;
    const noise = new OrnsteinUhlenbeckNoise(1, { theta, dt, sigma });
    const rng = new Rng(5);
    const out = new Float64Array(1);
    let sumSq = 0;
    const steps = 200_000;
    for (let t = 0; t < 100; t++) noise.sample(rng, out);
    for (let t = 0; t < steps; t++) sumSq += noise.sample(rng, out)[0]! ** 2;
    expect(ouStationaryVariance(theta, sigma, dt)).toBeCloseTo(1 / 3, 12);
    expect(sumSq / steps).toBeCloseTo(1 / 3, 2);
  });

  it('rejects unstable or bad parameters; makeNoise picks the kind', () => {
    expect(() => new OrnsteinUhlenbeckNoise(1, { sigma: 1, theta: 0 })).toThrow(/theta must be > 0/);
    expect(() => new OrnsteinUhlenbeckNoise(1, { sigma: 1, theta: 1, dt: 3 })).toThrow(/theta \* dt < 2/);
    expect(makeNoise('gaussian', 2, 0.1).kind).toBe('gaussian');
    const ou = makeNoise('ornstein-uhlenbeck', 2, 0.1, { theta: 0.3 }) as OrnsteinUhlenbeckNoise;
    expect([ou.kind, ou.theta, ou.dt]).toEqual(['ornstein-uhlenbeck', 0.3, 0.01]);
  });
});
