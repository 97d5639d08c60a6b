// Neural-net backend selection: ONNX Runtime, or TensorFlow.js in Node.
//
// 'onnx' trains and acts through ONNX Runtime (agents/lib/compute: forward,
// generated backward pass and Adam as one graph per update): DQN, DDPG, PPO,
// A2C (also with the cnn policy), REINFORCE, shared-PPO and shared-DQN run on
// it or on tfjs, TD3 and SAC on it only; on it, none of them initializes
// tfjs (their nets live in the ONNX models' flat parameters, saved in the
// tfjs nets' file formats). DQN's, PPO's and A2C's cnn policies run on it.
// 'cuda' and 'webgpu' are that path with the conv nets' sessions on ONNX
// Runtime's CUDA or WebGPU execution provider (compute/providers.ts):
// createAgent and loadAgent refuse one that is not present here, saying what
// was looked for and how to get it.
// 'auto' (the default) is 'onnx' for every agent and multi-agent learner with
// nets (it trains 3-10x faster than tfjs-wasm here; README's Benchmarks).
// Where tfjs itself is asked for with 'auto' (initBackend: agents and learners
// saved when 'auto' meant tfjs), it is the first TensorFlow.js backend that
// initializes: @tensorflow/tfjs-node-gpu or @tensorflow/tfjs-node when one can
// be imported (a machine that could download libtensorflow at install time),
// else the WebAssembly backend (SIMD, about 4x faster than tfjs's plain-JS cpu
// backend on small nets), else 'cpu'. createAgent and createLearner resolve
// 'auto' to the concrete name (resolveBackend) and saved agents and learners
// record it, so a resumed run stays on the backend it started on. A backend asked for by name that is
// missing fails with how to install it. None of the optional backends is
// needed to install Arena or run its tests.
//
// TensorFlow.js (with the wasm backend registered) loads on the first use of
// `tf`, not when this module is imported, so a tabular agent or an agent on
// ONNX Runtime alone never loads it; and through require, which costs about
// 0.13 CPU s here against 0.47 for an ES `import` (Node scans the packages'
// large CommonJS bundles for their named exports).
import { createRequire } from 'node:module';
import type * as Tfjs from '@tensorflow/tfjs';
import type { BackendName } from './backend-names.js';
import { BACKENDS } from './backend-names.js';
import type { GpuProvider } from './compute/providers.js';

export { BACKENDS };
export type { BackendName };
type OnnxBackendName = 'onnx' | GpuProvider;
type TfjsBackendName = Exclude<BackendName, 'auto' | OnnxBackendName>;

/** Whether `requested` names the ONNX Runtime path, on the CPU or a GPU (agents check the concrete name resolveBackend gave them). */
export function usesOnnx(requested: string | undefined): boolean {
  return requested === 'onnx' || gpuProvider(requested) !== undefined;
}

/** The GPU execution provider `requested` names ('cuda', 'webgpu'), for the sessions of the big (conv) nets; undefined for the others. */
export function gpuProvider(requested: string | undefined): GpuProvider | undefined {
  return requested === 'cuda' || requested === 'webgpu' ? requested : undefined;
}

/**
 * For backend 'cuda' or 'webgpu': fails unless ONNX Runtime's execution
 * provider of that name opens a session here, saying what was looked for and
 * how to get it (compute/providers.ts, imported only then), so that an agent
 * or a learner asking for a missing GPU fails before it trains (a learner's
 * MLPs stay on the CPU, as an agent's do; the name must still mean a GPU).
 */
export async function checkGpuBackend(backend: string | undefined): Promise<void> {
  const provider = gpuProvider(backend);
  if (provider) await (await import('./compute/providers.js')).checkProvider(provider);
}

/** The concrete backend for `requested` of an agent or learner with nets: a name is kept; 'auto' (or none) is 'onnx', where every such one trains. */
export function resolveBackend(requested: string | undefined): string {
  return requested !== undefined && requested !== 'auto' ? requested : 'onnx';
}

/**
 * For agents built on ONNX Runtime only (td3, sac): 'onnx', 'auto' and no
 * choice all run them there; a tfjs backend by name is refused, saying so.
 */
export function requireOnnx(algorithm: string, requested: string | undefined): void {
  if (requested === undefined || requested === 'auto' || usesOnnx(requested)) return;
  if (!(BACKENDS as readonly string[]).includes(requested)) throw new BackendError(`unknown backend ${JSON.stringify(requested)}; choose one of ${BACKENDS.join(', ')}`);
  throw new BackendError(`${algorithm} runs on ONNX Runtime only (backend 'onnx', which 'auto' means for it); backend '${requested}' is a TensorFlow.js backend, which ${algorithm} has no implementation for`);
}

/** The tfjs backend each of our names registers. */
const TFJS_NAME: Record<TfjsBackendName, string> = {
  wasm: 'wasm',
  cpu: 'cpu',
  node: 'tensorflow',
  'node-gpu': 'tensorflow',
};
const PACKAGE: Partial<Record<BackendName, string>> = {
  node: '@tensorflow/tfjs-node',
  'node-gpu': '@tensorflow/tfjs-node-gpu',
};

export class BackendError extends Error {
  override name = 'BackendError';
}

let active: TfjsBackendName | null = null;

async function importOptional(pkg: string): Promise<boolean> {
  try {
    // A variable specifier keeps TypeScript from requiring the optional package's types.
    const specifier: string = pkg;
    await import(specifier);
    return true;
  } catch {
    return false;
  }
}

async function activate(name: TfjsBackendName): Promise<boolean> {
  const pkg = PACKAGE[name];
  if (pkg && !(await importOptional(pkg))) return false;
  try {
    if (!(await tf.setBackend(TFJS_NAME[name]))) return false;
    await tf.ready();
  } catch {
    return false;
  }
  active = name;
  return true;
}

/**
 * Makes `requested` the tfjs backend (once per process; asking again for the
 * active one is free). Returns the backend in use.
 */
export async function initBackend(requested: string = 'auto'): Promise<TfjsBackendName> {
  if (!(BACKENDS as readonly string[]).includes(requested)) {
    throw new BackendError(`unknown backend ${JSON.stringify(requested)}; choose one of ${BACKENDS.join(', ')}`);
  }
  if (usesOnnx(requested)) {
    throw new BackendError(
      `backend '${requested}' names ONNX Runtime, not a TensorFlow.js backend: initBackend sets up TensorFlow.js only (every agent and learner with nets builds its ONNX Runtime model itself; iql has no network)`,
    );
  }
  const name = requested as Exclude<BackendName, OnnxBackendName>;
  if (name === 'auto') {
    if (active) return active;
    for (const candidate of ['node-gpu', 'node', 'wasm', 'cpu'] as const) if (await activate(candidate)) return candidate;
    throw new BackendError('no TensorFlow.js backend could be initialized (not even cpu)');
  }
  if (active === name) return name;
  if (await activate(name)) return name;
  const pkg = PACKAGE[name];
  throw new BackendError(
    pkg
      ? `backend '${name}' needs ${pkg}, which is not installed here: run \`npm install ${pkg}\` (its install step downloads libtensorflow, so it needs a machine that can reach the internet), or use backend 'wasm'`
      : `backend '${name}' could not be initialized in this process`,
  );
}

/** The backend currently in use, or null before initBackend. */
export function activeBackend(): TfjsBackendName | null {
  return active;
}

let tfjs: typeof Tfjs | null = null;

/** TensorFlow.js, loaded on first call. Both packages ship CommonJS builds for Node, the ones an `import` of them loads too, so this is the same instance. */
function loadTfjs(): typeof Tfjs {
  if (!tfjs) {
    const require = createRequire(import.meta.url);
    tfjs = require('@tensorflow/tfjs') as typeof Tfjs;
    require('@tensorflow/tfjs-backend-wasm');
  }
  return tfjs;
}

/** TensorFlow.js's namespace: every property read goes to the package, which the first one loads. */
export const tf: typeof Tfjs = new Proxy({} as typeof Tfjs, { get: (_, key) => Reflect.get(loadTfjs(), key) });

/** The tfjs types the agents name as `tf.X`. */
export declare namespace tf {
  type Tensor<R extends Tfjs.Rank = Tfjs.Rank> = Tfjs.Tensor<R>;
  type Scalar = Tfjs.Scalar;
  type Tensor1D = Tfjs.Tensor1D;
  type Tensor2D = Tfjs.Tensor2D;
  type Tensor4D = Tfjs.Tensor4D;
  type Variable<R extends Tfjs.Rank = Tfjs.Rank> = Tfjs.Variable<R>;
  type GradSaveFunc = Tfjs.GradSaveFunc;
}
