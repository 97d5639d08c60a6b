// The run queue's pieces that need no Redis: --queue URLs and password
// redaction, job validation, stream events, and packed checkpoint directories.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { explainConnectionError, parseQueueUrl, redactUrl, scrub } from '../../experiments/queue/connection.js';
import { JOB_FORMAT, eventFields, packDir, parseEvent, runIdOf, unpackDir, validateJob } from '../../experiments/queue/protocol.js';
import type { RunEvent } from '../../experiments/queue/protocol.js';
import { fakeSpec } from './helpers/runs.js';
import { tempDirs } from '../helpers/temp-dirs.js';

const tempDir = tempDirs('queue-protocol');

describe('--queue URLs', () => {
  it('parses user, password, host, port and database, and shows the URL with the password redacted', () => {
    const c = parseQueueUrl('redis://alice:p%40ss%2Fw0rd@queue-host:6380/2');
    expect(c.options).toEqual({ host: 'queue-host', port: 6380, db: 2, username: 'alice', password: 'p@ss/w0rd', maxRetriesPerRequest: null });
    expect(c.display).toBe('redis://alice:***@queue-host:6380/2');
    expect(c.secret).toBe('p@ss/w0rd');
  });

  it('turns TLS on for rediss:// and defaults the port', () => {
    const c = parseQueueUrl('rediss://:pw@secure.example');
    expect(c.options).toEqual({ host: 'secure.example', port: 6379, password: 'pw', tls: { servername: 'secure.example' }, maxRetriesPerRequest: null });
    expect(c.display).toBe('rediss://:***@secure.example');
    expect(parseQueueUrl('redis://localhost').options).toEqual({ host: 'localhost', port: 6379, maxRetriesPerRequest: null });
  });

  it('rejects other schemes and bad databases without printing the password', () => {
    expect(() => parseQueueUrl('http://u:hunter2@host')).toThrow(/^--queue http:\/\/u:\*\*\*@host: unsupported scheme http:; expected redis:\/\//);
    expect(() => parseQueueUrl('redis://:hunter2@host/cache')).toThrow('--queue redis://:***@host/cache: the path must be a database number, got /cache');
    expect(() => parseQueueUrl('redis://:hunter2@')).toThrow(/^--queue redis:\/\/:\*\*\*@: /);
    for (const bad of ['http://u:hunter2@host', 'redis://:hunter2@host/cache', 'redis://:hunter2@']) {
      try {
        parseQueueUrl(bad);
      } catch (e) {
        expect((e as Error).message).not.toContain('hunter2');
      }
    }
  });

  it('redacts and scrubs passwords, also URL-encoded, and explains refused credentials', () => {
    expect(redactUrl('redis://:s3cret@h:1/0')).toBe('redis://:***@h:1/0');
    expect(redactUrl('redis://h:1')).toBe('redis://h:1');
    expect(redactUrl('redis://u:a@b:c@h:1/0')).toBe('redis://u:***@h:1/0');
    expect(redactUrl('user:pass@host:6379')).toBe('user:***@host:6379');
    expect(() => parseQueueUrl('user:pass@host:6379')).toThrow('--queue user:***@host:6379: unsupported scheme user:; expected redis://');
    expect(scrub('auth p@ss and p%40ss failed', 'p@ss')).toBe('auth *** and *** failed');
    const c = parseQueueUrl('redis://:p@ss@h:7');
    expect(explainConnectionError(new Error('WRONGPASS invalid username-password pair (p@ss)'), c)).toBe(
      'Redis at redis://:***@h:7 refused the credentials (wrong password or user): WRONGPASS invalid username-password pair (***)',
    );
    expect(explainConnectionError(new Error('connect ECONNREFUSED 127.0.0.1:7'), c)).toMatch(/^nothing accepts connections at redis:\/\/:\*\*\*@h:7 \(is redis-server running/);
  });
});

describe('jobs and events', () => {
  const spec = fakeSpec({ experiment: 'e', variant: 'v', seed: 3 });
  const job = { format: JOB_FORMAT, arena: '0.1.0', runId: runIdOf('host', '/runs/e/v/seed-3', spec), spec, imports: [], record: null, checkpoint: null };

  it('accepts a well-formed job and names every problem of a malformed one', () => {
    expect(validateJob(job)).toBe(job);
    expect(() => validateJob({ ...job, spec: { ...spec, totalSteps: -1, env: { id: 'CartPole-v1' } } })).toThrow(
      /^malformed job: spec\.env\.kwargs: .*; spec\.env\.wrappers: .*; spec\.totalSteps: /,
    );
    expect(() => validateJob({ ...job, format: 'other' })).toThrow(/^malformed job: format: /);
    expect(() => validateJob({ ...job, pauseAt: 0 })).toThrow(/^malformed job: pauseAt: /);
    expect(validateJob({ ...job, pauseAt: 400 }).pauseAt).toBe(400);
  });

  it('refuses a job of another format (a worker of another version would mis-run it) with an error that says so', () => {
    expect(JOB_FORMAT).toBe('arena.queue-job/2');
    expect(() => validateJob({ ...job, format: 'arena.queue-job/1' })).toThrow(
      "job format arena.queue-job/1, but this worker reads arena.queue-job/2: the coordinator and the workers run different Arena versions; start workers of the coordinator's version",
    );
  });

  it('gives a run the same id for the same host, directory and spec, and another otherwise', () => {
    expect(runIdOf('host', '/runs/e/v/seed-3', spec)).toBe(job.runId);
    expect(runIdOf('other', '/runs/e/v/seed-3', spec)).not.toBe(job.runId);
    expect(runIdOf('host', '/runs/e/v/seed-4', spec)).not.toBe(job.runId);
    expect(runIdOf('host', '/runs/e/v/seed-3', { ...spec, totalSteps: 41 })).not.toBe(job.runId);
  });

  it('round-trips events through stream fields, and refuses files outside the run\'s episodes', () => {
    const events: RunEvent[] = [
      { k: 'start', tok: 't', host: 'h', checkpoint: null },
      { k: 'lines', tok: 't', f: 'metrics.jsonl', i: 4, t: '{"step":1}\n' },
      { k: 'file', tok: 't', p: 'episodes/step-0000000010-0.json', o: 0, n: 3, d: Buffer.from('abc') },
      { k: 'end', tok: 't', outcome: '{"status":"finished"}' },
    ];
    for (const e of events) expect(parseEvent(eventFields(e).map((f) => Buffer.from(f)))).toEqual(e);
    const file = (p: string) => eventFields({ k: 'file', tok: 't', p, o: 0, n: 1, d: Buffer.from('x') }).map((f) => Buffer.from(f));
    expect(() => parseEvent(file('../run.json'))).toThrow("queue event for a file outside the run's episodes: ../run.json");
    expect(() => parseEvent(file('episodes/../../x.json'))).toThrow(/outside the run's episodes/);
    const lines = eventFields({ k: 'lines', tok: 't', f: 'metrics.jsonl', i: 0, t: '' }).map((f) => Buffer.from(f));
    lines[5] = Buffer.from('run.json');
    expect(() => parseEvent(lines)).toThrow('queue event for unknown file run.json');
  });
});

describe('packed directories', () => {
  it('round-trips a checkpoint with its complete mark last', async () => {
    const src = tempDir();
    mkdirSync(join(src, 'agent'));
    writeFileSync(join(src, 'complete'), '100\n');
    writeFileSync(join(src, 'agent', 'weights.f32'), Buffer.from([1, 2, 3, 255]));
    writeFileSync(join(src, 'scheduler.json'), '{}');
    const packed = await packDir(src, 'complete');
    const header = JSON.parse(packed.subarray(4, 4 + packed.readUInt32BE(0)).toString()) as [string, number][];
    expect(header.map(([p]) => p)).toEqual(['agent/weights.f32', 'scheduler.json', 'complete']);
    const out = join(tempDir(), 'copy');
    await unpackDir(packed, out);
    expect(readFileSync(join(out, 'agent', 'weights.f32'))).toEqual(Buffer.from([1, 2, 3, 255]));
    expect(readFileSync(join(out, 'complete'), 'utf8')).toBe('100\n');
  });

  it('refuses entries that would leave the target directory', async () => {
    const header = Buffer.from(JSON.stringify([['../escaped', 1]]));
    const size = Buffer.alloc(4);
    size.writeUInt32BE(header.length);
    await expect(unpackDir(Buffer.concat([size, header, Buffer.from('x')]), tempDir())).rejects.toThrow('packed file with an unsafe path: ../escaped');
  });
});
