// The MuJoCo WebAssembly module (DeepMind's official build, `@mujoco/mujoco`),
// loaded once per process and per worker thread, when this module is first
// imported: a top-level await, so `make('Hopper-v5')` stays synchronous like
// every other env's make. Loading takes about 130 ms.
//
// The single-threaded build is used. `npm run bench` compares it with the
// multi-threaded one (`@mujoco/mujoco/mt`) on the same physics: no consistent
// gain on these small models (measured on a heavily loaded machine: Hopper
// 1.0-1.35x, Humanoid 0.7-1.0x), while the multi-threaded build starts a pool
// of threads in every process and worker that loads it and needs a
// `navigator` global that Node 20 lacks.
import loadMujoco from '@mujoco/mujoco';
import type { MainModule, MjData, MjModel } from '@mujoco/mujoco';

export type { MainModule as Mujoco, MjData, MjModel };

export const mujoco: MainModule = await loadMujoco();

/** The size of the module's wasm memory in bytes (it grows as models and data are allocated, never shrinks). */
export function wasmMemoryBytes(): number {
  const probe = new mujoco.DoubleBuffer(1);
  try {
    return (probe.GetView() as Float64Array).buffer.byteLength;
  } finally {
    probe.delete();
  }
}
