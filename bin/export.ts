// `arena export <run dir | save dir> --format onnx [--out policy.onnx]`: the
// saved agent's acting path as one ONNX model (agents/export/onnx.ts), written
// atomically (a temp file renamed into place: an export that fails leaves no
// half-written model and an older file at --out intact).
import { rm } from 'node:fs/promises';
import { basename, dirname, resolve } from 'node:path';
import { writeBinary } from '../agents/agent.js';
import { exportOnnx } from '../agents/export/onnx.js';
import { importModules } from './session.js';
import { agentSource } from './saved-env.js';

export const EXPORT_FORMATS = ['onnx'] as const;

export interface ExportCommandOptions {
  format: string;
  out: string;
  import: string[];
}

export async function exportCommand(path: string, options: ExportCommandOptions, version: string, out: (line: string) => void): Promise<void> {
  if (!(EXPORT_FORMATS as readonly string[]).includes(options.format)) throw new Error(`export: unknown --format ${JSON.stringify(options.format)}; known: ${EXPORT_FORMATS.join(', ')}`);
  await importModules(options.import);
  const source = await agentSource(path);
  if (source.kind === 'run') for (const w of source.warnings) out(`warning: ${w}`);
  const env = source.kind === 'run' ? source.record.spec.env.id : source.env?.id;
  const exported = await exportOnnx(source.agentDir, { version, ...(env !== undefined ? { env } : {}) });
  const target = resolve(options.out);
  try {
    await writeBinary(dirname(target), basename(target), exported.model);
  } catch (e) {
    await rm(`${target}.tmp`, { force: true }).catch(() => undefined);
    throw new Error(`export: cannot write ${options.out}: ${(e as Error).message}`);
  }
  out(`exported ${exported.algorithm} (${env ?? 'env unknown'}) to ${options.out}: input obs, outputs ${exported.outputs.join(', ')} (${exported.model.byteLength} bytes)`);
}
