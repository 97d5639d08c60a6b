// GPU execution providers for the compute path: backend 'cuda' (ONNX
// Runtime's CUDA provider) and 'webgpu' (its WebGPU provider). onnxruntime-node
// ships the CPU provider and, on linux x64, the WebGPU one; the CUDA provider's
// libraries come only from the package's install step, which downloads them
// (this project's .npmrc skips that step so that installing works offline).
// checkProvider looks for what a provider needs and opens a one-node session
// on it, once per process, so that asking for a missing one fails when the
// agent is made, with what was looked for and how to get it, not mid-training.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Graph } from './graph.js';
import { toOnnx } from './serialize.js';
import { Session } from './session.js';

export const GPU_PROVIDERS = ['cuda', 'webgpu'] as const;
export type GpuProvider = (typeof GPU_PROVIDERS)[number];

export class ProviderError extends Error {
  override name = 'ProviderError';
}

/** The folder of onnxruntime-node's native binding and libonnxruntime, where its install step puts the CUDA provider. */
export function nativeFolder(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve('onnxruntime-node/package.json')), 'bin', 'napi-v6', process.platform, process.arch);
}

/** The files of onnxruntime-node's CUDA provider (its install manifest for linux x64). */
export const CUDA_FILES = ['libonnxruntime_providers_shared.so', 'libonnxruntime_providers_cuda.so'] as const;

const HOW_TO_GET_CUDA =
  'reinstall onnxruntime-node with its CUDA download on a linux x64 machine with internet access, an NVIDIA GPU, CUDA 12 and cuDNN 9 ' +
  '(`npm rebuild onnxruntime-node --onnxruntime-node-install=cuda12`; this project\'s .npmrc skips the download so that installing works offline), ' +
  "or use backend 'onnx' (CPU)";

const HOW_TO_GET_WEBGPU =
  "the WebGPU provider needs a GPU adapter that Dawn can open (Vulkan drivers on linux) on a machine whose onnxruntime-node build bundles it (linux x64, windows); or use backend 'onnx' (CPU)";

/** What is missing for `provider` before any session tries it (files, platform), or null. */
export function missingFor(provider: GpuProvider, folder = nativeFolder(), platform = `${process.platform}/${process.arch}`): string | null {
  if (provider === 'cuda') {
    if (platform !== 'linux/x64' && platform !== 'win32/x64') return `onnxruntime-node has a CUDA provider for linux/x64 and win32/x64 only, this machine is ${platform}`;
    if (platform === 'win32/x64') return null;
    const absent = CUDA_FILES.filter((f) => !existsSync(join(folder, f)));
    if (absent.length > 0) return `onnxruntime-node's CUDA provider is not installed: looked for ${absent.join(' and ')} in ${folder}`;
    return null;
  }
  if (platform !== 'linux/x64' && platform !== 'win32/x64' && platform !== 'darwin/arm64') return `onnxruntime-node bundles its WebGPU provider on linux/x64, win32/x64 and darwin/arm64, this machine is ${platform}`;
  return null;
}

/** The message for a provider that cannot be used: what was looked for, why it failed, and how to get it. */
export function providerMessage(provider: GpuProvider, problem: string): string {
  return `backend '${provider}': ${problem}; ${provider === 'cuda' ? HOW_TO_GET_CUDA : HOW_TO_GET_WEBGPU}`;
}

const checked = new Map<GpuProvider, Promise<void>>();

/**
 * Resolves when `provider` runs here: its files are present and a one-node
 * session opens on it and computes; else rejects with a ProviderError saying
 * what was looked for and how to get it. Checked once per process.
 */
export function checkProvider(provider: GpuProvider): Promise<void> {
  let done = checked.get(provider);
  if (!done) {
    done = probe(provider);
    checked.set(provider, done);
  }
  return done;
}

async function probe(provider: GpuProvider): Promise<void> {
  const missing = missingFor(provider);
  if (missing) throw new ProviderError(providerMessage(provider, missing));
  const g = new Graph('float32');
  g.output('y', g.add(g.input('x', [2]), 1));
  let session: Session;
  try {
    session = await Session.create(toOnnx(g, 'probe'), provider);
  } catch (e) {
    throw new ProviderError(providerMessage(provider, `ONNX Runtime could not open a session on its ${provider} execution provider (${reason((e as Error).message)})`));
  }
  session.dispose();
}

/** The gist of ONNX Runtime's error: its first line, without the source location and failed check that lead it. */
function reason(message: string): string {
  const line = message.split('\n').find((l) => l.trim() !== '')?.trim() ?? message;
  return line.split(' was false. ').at(-1)!;
}
