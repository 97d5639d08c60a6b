// What the viewer serves: the root it was started on (a runs directory, one
// experiment, one run, or one episode file) seen uniformly as experiments
// holding runs, and the only way the server turns names from a URL into file
// paths. Names are never joined into paths as given: experiments and runs are
// looked up among the directories actually found, and a file name must be one
// plain name whose real path (symlinks resolved) stays inside the root.
import type { Dirent } from 'node:fs';
import { readdir, readFile, realpath, stat } from 'node:fs/promises';
import { basename, extname, join, relative, sep } from 'node:path';
import { EPISODES_DIR, EXPERIMENT_FILE, RUN_FILE } from '../experiments/store.js';
import type { RootKind, RunRef } from './api-types.js';

/** An error with the HTTP status the server answers it with. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly details: { file?: string; line?: number; problems?: readonly string[] } = {},
  ) {
    super(message);
  }
}

export interface RunEntry {
  readonly experiment: string;
  readonly variant: string;
  /** The seed directory's name, `seed-<n>`. */
  readonly seed: string;
  /** The run directory (a real path inside the root); null for a lone episode file. */
  readonly dir: string | null;
  /** Only in experiment.json's plan: no run.json was there at the scan (so the run is pending without reading anything). */
  readonly planned?: true;
}

export interface ExperimentEntry {
  readonly name: string;
  /** The experiment directory; null when the root is a run or an episode file. */
  readonly dir: string | null;
  readonly runs: RunEntry[];
  /** Planned runs (pending) beyond the PLAN_RUNS_LISTED that are listed in `runs`: counted, not listed. */
  readonly unlisted?: number;
}

export interface CatalogSnapshot {
  readonly kind: RootKind;
  readonly experiments: ExperimentEntry[];
  /** For kind 'episode': the file. */
  readonly episodeFile?: string;
}

const SEED_DIR = /^seed-(-?\d+)$/;

/** A lone episode file shows as experiment `<file stem>` with one run `file/episode`. */
export const EPISODE_ROOT_VARIANT = 'file';
export const EPISODE_ROOT_SEED = 'episode';

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

/** An experiment.json larger than this is not read for its plan (its runs on disk are still listed). */
const PLAN_FILE_BYTES = 64 << 20;
/** Pending runs of a plan listed per experiment at most; the rest are counted (ExperimentEntry.unlisted), so a huge plan costs no more per scan. */
export const PLAN_RUNS_LISTED = 20_000;

export class Catalog {
  private cached: { at: number; snapshot: CatalogSnapshot } | null = null;
  /** The scan under way and when it started, which concurrent requests share instead of each starting one. */
  private scanning: { startedAt: number; done: Promise<CatalogSnapshot> } | null = null;
  /** Plans read from experiment.json files, by real path, while their size and mtime are unchanged. */
  private readonly plans = new Map<string, { size: number; mtimeMs: number; runs: { variant: string; seed: number }[] }>();

  private constructor(
    /** The root as given (for messages). */
    readonly given: string,
    /** The root's real path. */
    readonly root: string,
    readonly kind: RootKind,
  ) {}

  /** Opens a root; throws a message naming the path when it does not exist. */
  static async open(path: string): Promise<Catalog> {
    let real: string;
    try {
      real = await realpath(path);
    } catch {
      throw new Error(`view: ${path} does not exist (give a runs directory, an experiment, a run directory or an episode file)`);
    }
    const info = await stat(real);
    if (info.isFile()) {
      if (extname(real) !== '.json') throw new Error(`view: ${path} is a file but not an episode record (.json)`);
      return new Catalog(path, real, 'episode');
    }
    if (await isFile(join(real, RUN_FILE))) return new Catalog(path, real, 'run');
    const catalog = new Catalog(path, real, 'runs');
    if ((await isFile(join(real, EXPERIMENT_FILE))) || (await catalog.runsOfExperiment(real, basename(real))).runs.length > 0) {
      return new Catalog(path, real, 'experiment');
    }
    return catalog;
  }

  /** The root's name, for titles. */
  get name(): string {
    return basename(this.root);
  }

  /**
   * The experiments and runs found by a scan that started at most `maxAgeMs`
   * before this call (0: after it). A scan under way that started earlier may
   * predate a file the caller has just seen written, so it is waited out and
   * a new one started.
   */
  async snapshot(maxAgeMs = 500): Promise<CatalogSnapshot> {
    const asked = performance.now();
    if (this.cached && asked - this.cached.at < maxAgeMs) return this.cached.snapshot;
    while (this.scanning && this.scanning.startedAt < asked - maxAgeMs) await this.scanning.done.catch(() => undefined);
    if (!this.scanning) {
      const startedAt = performance.now();
      const done = this.scan()
        .then((snapshot) => {
          if (!this.cached || this.cached.at < startedAt) this.cached = { at: startedAt, snapshot };
          return snapshot;
        })
        .finally(() => {
          this.scanning = null;
        });
      this.scanning = { startedAt, done };
    }
    return this.scanning.done;
  }

  /** The named experiment; a name missing from the cached scan gets a fresh scan (it may have just appeared). */
  async experiment(name: string): Promise<ExperimentEntry> {
    const find = (s: CatalogSnapshot) => s.experiments.find((e) => e.name === name);
    const found = find(await this.snapshot()) ?? find(await this.snapshot(0));
    if (!found) throw new HttpError(404, `no experiment named ${JSON.stringify(name)}`);
    return found;
  }

  async run(experiment: string, variant: string, seed: string): Promise<RunEntry> {
    const find = (e: ExperimentEntry) => e.runs.find((r) => r.variant === variant && r.seed === seed);
    let found = find(await this.experiment(experiment));
    if (!found) {
      await this.snapshot(0);
      found = find(await this.experiment(experiment));
    }
    if (!found) throw new HttpError(404, `experiment ${JSON.stringify(experiment)} has no run ${JSON.stringify(`${variant}/${seed}`)}`);
    return found;
  }

  /** A path relative to the root, for messages (never an absolute path of the machine). */
  display(path: string): string {
    if (this.kind === 'episode') return basename(path);
    return relative(this.root, path) || '.';
  }

  /**
   * The real path of `name` inside `dir`, checked: `name` must be one plain
   * file name, the file must exist (404), and its real path must stay inside
   * the root (403), so a symlink cannot lead out.
   */
  async file(dir: string, name: string): Promise<string> {
    if (name === '' || name === '.' || name === '..' || /[/\\\0]/.test(name)) throw new HttpError(403, `not a plain file name: ${JSON.stringify(name)}`);
    return this.inside(join(dir, name));
  }

  /** The real path of `path` if it exists and stays inside the root. */
  async inside(path: string): Promise<string> {
    let real: string;
    try {
      real = await realpath(path);
    } catch {
      throw new HttpError(404, `${this.display(path)} does not exist`);
    }
    if (!this.contains(real)) throw new HttpError(403, `${this.display(path)} leads outside the viewer's root`);
    return real;
  }

  /** The real path of `path`, or null when it is missing or leads outside the root (readers treat both as absent). */
  async insideOrNull(path: string): Promise<string | null> {
    try {
      return await this.inside(path);
    } catch {
      return null;
    }
  }

  private contains(real: string): boolean {
    if (this.kind === 'episode') return real === this.root;
    return real === this.root || real.startsWith(this.root + sep);
  }

  private async scan(): Promise<CatalogSnapshot> {
    switch (this.kind) {
      case 'episode': {
        const name = basename(this.root, '.json');
        return {
          kind: 'episode',
          experiments: [{ name, dir: null, runs: [{ experiment: name, variant: EPISODE_ROOT_VARIANT, seed: EPISODE_ROOT_SEED, dir: null }] }],
          episodeFile: this.root,
        };
      }
      case 'run': {
        const { experiment, variant, seed } = await this.runNames(this.root);
        return { kind: 'run', experiments: [{ name: experiment, dir: null, runs: [{ experiment, variant, seed, dir: this.root }] }] };
      }
      case 'experiment': {
        const name = basename(this.root);
        return { kind: 'experiment', experiments: [{ name, dir: this.root, ...(await this.runsOfExperiment(this.root, name)) }] };
      }
      case 'runs': {
        const experiments: ExperimentEntry[] = [];
        for (const name of await this.subdirectories(this.root)) {
          const dir = join(this.root, name);
          const { runs, unlisted } = await this.runsOfExperiment(dir, name);
          if (runs.length > 0 || (await isFile(join(dir, EXPERIMENT_FILE)))) experiments.push({ name, dir, runs, unlisted });
        }
        return { kind: 'runs', experiments };
      }
    }
  }

  /** Names of a lone run directory, from its run.json (else from its path). */
  private async runNames(dir: string): Promise<RunRef> {
    try {
      const record = JSON.parse(await readFile(join(dir, RUN_FILE), 'utf8')) as { spec?: { experiment?: unknown; variant?: unknown; seed?: unknown } };
      const spec = record.spec ?? {};
      if (typeof spec.experiment === 'string' && typeof spec.variant === 'string' && typeof spec.seed === 'number') {
        return { experiment: spec.experiment, variant: spec.variant, seed: `seed-${spec.seed}` };
      }
    } catch {
      // Unreadable run.json: the run's page will say so; name the run after its path.
    }
    const parts = dir.split(sep);
    const seed = parts.at(-1)!;
    return { experiment: parts.at(-3) ?? 'run', variant: parts.at(-2) ?? 'run', seed: SEED_DIR.test(seed) ? seed : 'seed-0' };
  }

  /**
   * Runs of an experiment directory: `<variant>/seed-<n>/` holding a run.json,
   * plus runs listed in experiment.json that have not written one yet
   * (pending; beyond PLAN_RUNS_LISTED of them only counted, as `unlisted`).
   * Sorted by variant, then seed number.
   */
  private async runsOfExperiment(dir: string, experiment: string): Promise<{ runs: RunEntry[]; unlisted: number }> {
    const runs: (RunEntry & { n: number })[] = [];
    const seen = new Set<string>();
    for (const variant of await this.subdirectories(dir)) {
      for (const seed of await this.subdirectories(join(dir, variant))) {
        const m = SEED_DIR.exec(seed);
        if (!m || !(await isFile(join(dir, variant, seed, RUN_FILE)))) continue;
        const real = await this.insideOrNull(join(dir, variant, seed));
        if (real === null) continue;
        runs.push({ experiment, variant, seed, dir: real, n: Number(m[1]) });
        seen.add(`${variant}/${seed}`);
      }
    }
    const planned = await this.plannedRuns(dir);
    let listed = 0;
    let unlisted = 0;
    for (const p of planned) {
      const seed = `seed-${p.seed}`;
      if (seen.has(`${p.variant}/${seed}`)) continue;
      if (listed >= PLAN_RUNS_LISTED) {
        unlisted += 1;
        continue;
      }
      listed += 1;
      runs.push({ experiment, variant: p.variant, seed, dir: join(dir, p.variant, seed), n: p.seed, planned: true });
    }
    runs.sort((a, b) => (a.variant < b.variant ? -1 : a.variant > b.variant ? 1 : a.n - b.n));
    return { runs: runs.map(({ n: _n, ...r }) => r), unlisted };
  }

  /**
   * The runs experiment.json plans: its config's variants x seeds (as
   * planRuns makes them), or the `runs` list older files have. Parsed once
   * per version of the file; a file over PLAN_FILE_BYTES is not parsed.
   */
  private async plannedRuns(dir: string): Promise<{ variant: string; seed: number }[]> {
    const file = await this.insideOrNull(join(dir, EXPERIMENT_FILE));
    if (file === null) return [];
    const info = await stat(file).catch(() => null);
    if (info === null || info.size > PLAN_FILE_BYTES) return [];
    const kept = this.plans.get(file);
    if (kept && kept.size === info.size && kept.mtimeMs === info.mtimeMs) return kept.runs;
    let runs: { variant: string; seed: number }[];
    try {
      const doc = JSON.parse(await readFile(file, 'utf8')) as { runs?: { variant?: unknown; seed?: unknown }[]; config?: { variants?: { name?: unknown }[]; seeds?: unknown[] } };
      const listed =
        doc.runs ??
        (doc.config?.variants ?? []).flatMap((v) => (Array.isArray(doc.config?.seeds) ? doc.config.seeds : []).map((seed) => ({ variant: v?.name, seed })));
      runs = listed.filter(
        (r): r is { variant: string; seed: number } =>
          typeof r.variant === 'string' && Number.isInteger(r.seed) && /^[A-Za-z0-9][A-Za-z0-9._=-]*$/.test(r.variant),
      );
    } catch {
      runs = [];
    }
    this.plans.set(file, { size: info.size, mtimeMs: info.mtimeMs, runs });
    return runs;
  }

  /** Subdirectories of `dir` whose real path stays inside the root (symlinks leading out are skipped). */
  private async subdirectories(dir: string): Promise<string[]> {
    let entries: Dirent[];
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch {
      return [];
    }
    const out: string[] = [];
    for (const e of entries) {
      if (e.name.startsWith('.') || e.name === EPISODES_DIR || e.name.startsWith('checkpoint')) continue;
      if (e.isDirectory()) out.push(e.name);
      else if (e.isSymbolicLink()) {
        const real = await this.insideOrNull(join(dir, e.name));
        if (real !== null && (await stat(real)).isDirectory()) out.push(e.name);
      }
    }
    return out.sort();
  }
}
