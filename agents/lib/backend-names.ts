// The names of the neural-net backends (backend.ts says what each one is), in
// a module that imports nothing, so that the CLI's help and the config schema
// can list them without loading TensorFlow.js or ONNX Runtime.
export const BACKENDS = ['auto', 'wasm', 'cpu', 'node', 'node-gpu', 'onnx', 'cuda', 'webgpu'] as const;
export type BackendName = (typeof BACKENDS)[number];
