// ONNX Runtime sessions for Arena's graphs: one intra-op thread (experiments
// run one run per core), sequential execution, full graph optimization, and
// denormals flushed to zero (without it a 256-256 net's Adam step slowed from
// 0.84 to 1.27 ms over 1,500 steps as moments decayed into denormals).
//
// `run` is synchronous: agents act inside synchronous calls (act,
// diagnostics), and the public InferenceSession.run is async only because it
// defers the same native call by a setImmediate. The native binding's
// session, which onnxruntime-node's own backend wraps, is used here directly;
// this file is the one place that does so, and session.test.ts checks it
// against the public async path. Outputs can be preallocated: a tensor given
// in `fetches` is written in place (its byteOffset is honoured), yet the
// binding (onnxruntime-node 1.31.1) still returns each fetched output as a
// new copy, about 0.5 ms per TD3 critic run for its 3 x 245k floats; fetch
// only what is used. A session
// may run on a GPU execution provider ('cuda', 'webgpu'; providers.ts checks
// that one is present), with the CPU taking the nodes it lacks kernels for.
import { createRequire } from 'node:module';
import ort from 'onnxruntime-node';

export type Tensor = ort.Tensor;
export const Tensor = ort.Tensor;

interface NativeSession {
  loadModel(buffer: ArrayBuffer, byteOffset: number, byteLength: number, options: ort.InferenceSession.SessionOptions): Promise<void>;
  readonly inputMetadata: readonly { name: string }[];
  readonly outputMetadata: readonly { name: string }[];
  run(feeds: Record<string, ort.Tensor>, fetches: Record<string, ort.Tensor | null>, options: Record<string, unknown>): Record<string, ort.Tensor>;
  dispose(): void;
}

interface NativeBinding {
  binding: { InferenceSession: new () => NativeSession };
  initOrt(): void;
}

const native = createRequire(import.meta.url)('onnxruntime-node/dist/binding.js') as NativeBinding;

/** The options every Arena session uses. */
export const SESSION_OPTIONS: ort.InferenceSession.SessionOptions = {
  intraOpNumThreads: 1,
  interOpNumThreads: 1,
  executionMode: 'sequential',
  graphOptimizationLevel: 'all',
  extra: { session: { set_denormal_as_zero: '1' } },
};

export class Session {
  private disposed = false;

  private constructor(
    private readonly native: NativeSession,
    readonly inputNames: readonly string[],
    readonly outputNames: readonly string[],
  ) {}

  /** A session on ONNX model bytes (e.g. toOnnx's), on the CPU or on the GPU execution provider `provider`. */
  static async create(model: Uint8Array, provider?: 'cuda' | 'webgpu'): Promise<Session> {
    native.initOrt();
    const s = new native.binding.InferenceSession();
    const options = provider ? { ...SESSION_OPTIONS, executionProviders: [provider, 'cpu'] } : SESSION_OPTIONS;
    await s.loadModel(model.buffer as ArrayBuffer, model.byteOffset, model.byteLength, options);
    return new Session(
      s,
      s.inputMetadata.map((m) => m.name),
      s.outputMetadata.map((m) => m.name),
    );
  }

  /**
   * Runs the graph now. `fetches` lists the outputs wanted, each null (a new
   * tensor) or a tensor of the right type and size to write into; all outputs
   * when omitted.
   */
  run(feeds: Record<string, ort.Tensor>, fetches?: Record<string, ort.Tensor | null>): Record<string, ort.Tensor> {
    if (this.disposed) throw new Error('Session.run: the session was disposed');
    for (const name of this.inputNames) if (!(name in feeds)) throw new Error(`Session.run: input ${JSON.stringify(name)} is not fed`);
    const wanted = fetches ?? Object.fromEntries(this.outputNames.map((n) => [n, null]));
    return this.native.run(feeds, wanted, {});
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.native.dispose();
  }
}
