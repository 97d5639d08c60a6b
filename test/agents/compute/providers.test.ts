import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import '../../../agents/dqn.js';
import '../../../agents/multi/index.js';
import '../../../envs/index.js';
import { createAgent, loadAgent } from '../../../agents/agent.js';
import { createLearner, loadLearner } from '../../../agents/multi/learner.js';
import { makeGame } from '../../../core/multi-agent.js';
import { gpuProvider, usesOnnx } from '../../../agents/lib/backend.js';
import { CUDA_FILES, missingFor, nativeFolder, ProviderError } from '../../../agents/lib/compute/providers.js';
import { SideEnv } from '../../helpers/fake-envs.js';
import { tempDirs } from '../../helpers/temp-dirs.js';

const tempDir = tempDirs('providers');
const side = new SideEnv();
const TINY = { cnnFilters: [4, 8], cnnKernels: [4, 3], cnnStrides: [2, 1], cnnDense: 16, hidden: [16], learningStarts: 8, batchSize: 4, bufferSize: 64 };
/** Makes a cnn DQN on `backend` and trains it a little: null when that works, else the error. */
async function trainOrFail(backend: string): Promise<unknown> {
  try {
    const agent = await dqn(backend);
    await agent.learn({ env: new SideEnv(), totalSteps: 16 });
    agent.dispose();
    return null;
  } catch (e) {
    return e;
  }
}
const dqn = (backend: string) => createAgent('dqn', TINY, { observationSpace: side.observationSpace, actionSpace: side.actionSpace, seed: 0, backend });

describe("GPU backends 'cuda' and 'webgpu' (ONNX Runtime's execution providers)", () => {
  it('are the ONNX Runtime path, with the provider named', () => {
    expect(['onnx', 'cuda', 'webgpu', 'wasm', 'auto', undefined].map(usesOnnx)).toEqual([true, true, true, false, false, false]);
    expect(['onnx', 'cuda', 'webgpu', 'wasm'].map(gpuProvider)).toEqual([undefined, 'cuda', 'webgpu', undefined]);
  });

  it("finds the CUDA provider's files where onnxruntime-node's install step puts them, and says which are missing", () => {
    const folder = tempDir();
    const missing = missingFor('cuda', folder, 'linux/x64');
    expect(missing).toBe(`onnxruntime-node's CUDA provider is not installed: looked for ${CUDA_FILES.join(' and ')} in ${folder}`);
    writeFileSync(join(folder, CUDA_FILES[0]), '');
    expect(missingFor('cuda', folder, 'linux/x64')).toBe(`onnxruntime-node's CUDA provider is not installed: looked for ${CUDA_FILES[1]} in ${folder}`);
    writeFileSync(join(folder, CUDA_FILES[1]), '');
    expect(missingFor('cuda', folder, 'linux/x64')).toBeNull();
    expect(missingFor('cuda', folder, 'darwin/arm64')).toMatch(/CUDA provider for linux\/x64 and win32\/x64 only, this machine is darwin\/arm64/);
    expect(missingFor('webgpu', folder, 'linux/arm64')).toMatch(/WebGPU provider on linux\/x64, win32\/x64 and darwin\/arm64, this machine is linux\/arm64/);
  });

  it("refuses backend 'cuda' when the agent is made, before any training, saying what was looked for and how to get it", async () => {
    const missing = missingFor('cuda');
    if (missing) {
      // This machine: onnxruntime-node installed with its CUDA download skipped (.npmrc).
      const error = await dqn('cuda').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ProviderError);
      expect((error as Error).message).toBe(
        `backend 'cuda': ${missing}; reinstall onnxruntime-node with its CUDA download on a linux x64 machine with internet access, an NVIDIA GPU, CUDA 12 and cuDNN 9 (\`npm rebuild onnxruntime-node --onnxruntime-node-install=cuda12\`; this project's .npmrc skips the download so that installing works offline), or use backend 'onnx' (CPU)`,
      );
      expect(missing).toContain(nativeFolder());
    } else {
      // A machine with the provider's files: the agent is made and trains there, or the error says the session failed.
      const failure = await trainOrFail('cuda');
      if (failure) expect((failure as Error).message).toMatch(/^backend 'cuda': ONNX Runtime could not open a session on its cuda execution provider/);
    }
  });

  it("refuses backend 'webgpu' where no GPU adapter opens, and loading a saved agent onto a missing provider too", async () => {
    // A machine with a WebGPU adapter trains on it; this one has none.
    const error = await trainOrFail('webgpu');
    if (error) {
      expect(error).toBeInstanceOf(ProviderError);
      expect((error as Error).message).toMatch(/^backend 'webgpu': ONNX Runtime could not open a session on its webgpu execution provider \(.+\); the WebGPU provider needs a GPU adapter/);
    }
    const dir = tempDir();
    const agent = await dqn('onnx');
    await agent.save(dir);
    agent.dispose();
    if (missingFor('cuda')) await expect(loadAgent(dir, { backend: 'cuda' })).rejects.toThrow(/^backend 'cuda': onnxruntime-node's CUDA provider is not installed/);
  });

  it.each(['shared-dqn', 'shared-ppo'] as const)("refuses backend 'cuda' for the multi-agent learner %s too, when it is made and when a saved one is loaded onto it", async (name) => {
    const missing = missingFor('cuda');
    const game = makeGame('TicTacToe-v0');
    const small = { hidden: [8], ...(name === 'shared-dqn' ? { bufferSize: 50 } : { nSteps: 4, batchSize: 8 }) };
    const made = await createLearner(name, small, { game, seed: 0, backend: 'cuda' }).then(
      (l) => (l.dispose(), null),
      (e: unknown) => e,
    );
    if (missing) {
      expect(made).toBeInstanceOf(ProviderError);
      expect((made as Error).message).toBe(`backend 'cuda': ${missing}; reinstall onnxruntime-node with its CUDA download on a linux x64 machine with internet access, an NVIDIA GPU, CUDA 12 and cuDNN 9 (\`npm rebuild onnxruntime-node --onnxruntime-node-install=cuda12\`; this project's .npmrc skips the download so that installing works offline), or use backend 'onnx' (CPU)`);
      const dir = tempDir();
      const learner = await createLearner(name, small, { game, seed: 0, backend: 'onnx' });
      await learner.save(dir);
      learner.dispose();
      await expect(loadLearner(dir, { backend: 'cuda' })).rejects.toThrow(/^backend 'cuda': onnxruntime-node's CUDA provider is not installed/);
    } else if (made) {
      expect((made as Error).message).toMatch(/^backend 'cuda': ONNX Runtime could not open a session on its cuda execution provider/);
    }
  });
});
