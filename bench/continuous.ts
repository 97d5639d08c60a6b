// Continuous-control benchmark: CPU ms per training step (one env step and one
// gradient step) of DDPG on tfjs-wasm and on ONNX Runtime, and of TD3 and SAC
// (ONNX Runtime), at their Pendulum-v1 recipes' network and batch sizes; then
// a Polyak target update of DDPG's two 400-300 nets (245k parameters) as the
// JS loop the agents use against the same update as an ONNX graph. CPU time
// (process.cpuUsage: one thread does the work) is what an idle core's wall
// time would be, whatever else the machine runs; trials are interleaved
// (three rounds, median of each case) so that the machine's state falls on
// every case alike, and the table prints ratios to DDPG on wasm.
//
//   npm run bench:continuous
//   ARENA_BENCH_STEPS=400 npm run bench:continuous   # more steps per trial (default 150)
import '../envs/index.js';
import '../agents/index.js';
import type { Agent } from '../agents/agent.js';
import { createAgent } from '../agents/agent.js';
import { Graph } from '../agents/lib/compute/graph.js';
import { toOnnx } from '../agents/lib/compute/serialize.js';
import { Session, Tensor } from '../agents/lib/compute/session.js';
import { polyakUpdate } from '../agents/lib/compute/trainer.js';
import { recipe } from '../agents/recipes/index.js';
import { make } from '../core/registry.js';

const STEPS = Number(process.env.ARENA_BENCH_STEPS ?? 150);
const WARM = 256;

const cpuMs = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

interface Case {
  name: string;
  agent: Agent;
  env: ReturnType<typeof make>;
  done: number;
  trials: number[];
}

async function makeCase(name: string, recipeId: string, backend: string): Promise<Case> {
  const r = recipe(recipeId);
  const env = make(r.env);
  // The recipe's nets and batch, training from step WARM on (its own learningStarts is 10k random steps).
  const agent = await createAgent(r.agent, { ...r.hyperparameters, learningStarts: WARM, bufferSize: 50_000 }, { observationSpace: env.observationSpace, actionSpace: env.actionSpace, seed: 0, backend });
  await agent.learn({ env, totalSteps: WARM + 20 });
  return { name, agent, env, done: WARM + 20, trials: [] };
}

async function main(): Promise<void> {
  const cases = [
    await makeCase('ddpg 400-300, batch 256, wasm', 'ddpg-pendulum', 'wasm'),
    await makeCase('ddpg 400-300, batch 256, onnx', 'ddpg-pendulum', 'onnx'),
    await makeCase('td3 400-300 (twin critics), batch 256, onnx', 'td3-pendulum', 'onnx'),
    await makeCase('sac 256-256 (twin critics), batch 256, onnx', 'sac-pendulum', 'onnx'),
  ];
  for (let round = 0; round < 3; round++) {
    for (const c of cases) {
      const t0 = cpuMs();
      c.done += STEPS;
      await c.agent.learn({ env: c.env, totalSteps: c.done });
      c.trials.push((cpuMs() - t0) / STEPS);
    }
  }
  const base = median(cases[0]!.trials);
  process.stdout.write(`\nCPU ms per training step (1 env step + 1 gradient step), median of 3 trials of ${STEPS} steps\n\n| case | ms | vs ddpg wasm |\n|---|---|---|\n`);
  for (const c of cases) process.stdout.write(`| ${c.name} | ${median(c.trials).toFixed(2)} | ${(median(c.trials) / base).toFixed(2)}x |\n`);
  for (const c of cases) c.agent.dispose();

  // Polyak: target <- tau online + (1 - tau) target over 245k float32 parameters.
  const n = 3 * 400 + 400 + 400 * 300 + 300 + 300 + 1 + 4 * 400 + 400 + 400 * 300 + 300 + 300 + 1;
  const online = new Float32Array(n).map((_, i) => Math.sin(i));
  const g = new Graph('float32');
  g.output('next', g.add(g.mul(g.input('online', [n]), 0.005), g.mul(g.input('target', [n]), 1 - 0.005)));
  const session = await Session.create(toOnnx(g, 'polyak'));
  const bufs = [new Float32Array(n), new Float32Array(n)];
  const js = new Float32Array(n);
  let cur = 0;
  const viaGraph = () => {
    session.run({ online: new Tensor('float32', online, [n]), target: new Tensor('float32', bufs[cur]!, [n]) }, { next: new Tensor('float32', bufs[1 - cur]!, [n]) });
    cur = 1 - cur;
  };
  const viaJs = () => polyakUpdate(js, online, 0.005);
  const times: Record<string, number[]> = { js: [], graph: [] };
  for (let round = 0; round < 3; round++) {
    for (const [name, f] of [['js', viaJs], ['graph', viaGraph]] as const) {
      const t0 = cpuMs();
      for (let i = 0; i < 300; i++) f();
      times[name]!.push((cpuMs() - t0) / 300);
    }
  }
  session.dispose();
  let same = 0;
  for (let i = 0; i < n; i++) if (js[i] === bufs[cur]![i]) same += 1;
  process.stdout.write(
    `\nPolyak update of ${n} parameters, CPU ms: JS loop ${median(times.js!).toFixed(3)}, ONNX graph ${median(times.graph!).toFixed(3)} (${(median(times.graph!) / median(times.js!)).toFixed(2)}x); after ${times.js!.length * 300} updates each, ${same} of ${n} values bit-identical\n`,
  );
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? e.stack : String(e)}\n`);
  process.exitCode = 1;
});
