// Config documents: parsing a YAML or JSON config into plain data while
// keeping each node's position, and the ConfigError that reports problems as
// `<source>:<line>:<column>: <path>: <message>` lines in file order. Shared by
// experiment configs (config.ts) and tuning studies (tune/config.ts).
import type { Document, LineCounter as LineCounterType, Node } from 'yaml';
import { isAlias, isMap, isScalar, isSeq, LineCounter, parseDocument } from 'yaml';
import { errorMessage } from '../core/text.js';
import type { Issue, PathSegment } from './config-wrappers.js';
import { formatPath } from './config-wrappers.js';

export interface ConfigProblem {
  /** YAML-style path of the offending value, e.g. `variants[1].hyperparameters.learningRate`; empty for the whole file. */
  readonly path: string;
  readonly message: string;
  /** 1-based position of the offending node, when known. */
  readonly line?: number;
  readonly column?: number;
}

function formatProblem(source: string, p: ConfigProblem): string {
  const where = p.line !== undefined ? `${source}:${p.line}:${p.column ?? 1}` : source;
  return p.path ? `${where}: ${p.path}: ${p.message}` : `${where}: ${p.message}`;
}

/** Every problem found in one config file; the message has one `<source>:<line>:<column>: <path>: <message>` line per problem. */
export class ConfigError extends Error {
  override name = 'ConfigError';
  constructor(
    readonly source: string,
    readonly problems: ConfigProblem[],
  ) {
    super(problems.map((p) => formatProblem(source, p)).join('\n'));
  }
}

// ---------------------------------------------------------------- schema

export type Locate = (path: readonly PathSegment[], at?: 'key') => { line?: number; column?: number };

function linePosition(lineCounter: LineCounterType, offset: number): { line: number; column: number } {
  const { line, col } = lineCounter.linePos(offset);
  return { line, column: col };
}

/** Finds the node at `path` (or, for a path that does not exist, the deepest mapping or list on it). */
function locator(doc: Document, lineCounter: LineCounterType): Locate {
  return (path, at) => {
    let node: unknown = doc.contents;
    let keyNode: Node | undefined;
    let complete = true;
    for (const segment of path) {
      if (isAlias(node)) node = node.resolve(doc);
      if (isMap(node)) {
        const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(segment));
        if (!pair) {
          complete = false;
          break;
        }
        keyNode = pair.key as Node;
        node = pair.value;
      } else if (isSeq(node) && typeof segment === 'number' && segment < node.items.length) {
        keyNode = undefined;
        node = node.items[segment];
      } else {
        complete = false;
        break;
      }
    }
    const valueNode = node as Node | null | undefined;
    // An empty value (`clipAction:`) has no extent of its own: point at its key.
    const emptyValue = !valueNode?.range || valueNode.range[0] === valueNode.range[1];
    const target = complete && keyNode && (at === 'key' || emptyValue) ? keyNode : valueNode;
    const offset = target?.range?.[0];
    return offset === undefined ? {} : linePosition(lineCounter, offset);
  };
}

/** Parses the text; syntax errors throw a ConfigError with their positions. `locate` gives the position of a path's node. */
export function readDocument(text: string, source: string, format: 'yaml' | 'json'): { data: unknown; locate: Locate } {
  const lineCounter = new LineCounter();
  if (format === 'json') {
    let data: unknown;
    try {
      data = JSON.parse(text);
    } catch (e) {
      const message = (e as Error).message;
      const position = /at position (\d+)/.exec(message);
      const offset = position ? Number(position[1]) : text.length;
      const before = text.slice(0, offset).split('\n');
      throw new ConfigError(source, [
        { path: '', message: `invalid JSON: ${message.replace(/ in JSON at position \d+.*$/, '')}`, line: before.length, column: before[before.length - 1]!.length + 1 },
      ]);
    }
    // JSON is YAML, so the YAML parser gives the positions of valid JSON's nodes.
    const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: false });
    // JSON.parse keeps the last of two equal keys; YAML refuses them, and so do we.
    const duplicates = duplicateKeys(doc, lineCounter);
    if (duplicates.length > 0) throw new ConfigError(source, duplicates);
    return { data, locate: locator(doc, lineCounter) };
  }
  // Merge keys (`<<: *defaults`) let variants share hyperparameters through an anchor.
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, merge: true });
  const syntax = [...doc.errors, ...doc.warnings];
  // A stack overflow shows up once per level; one message says it.
  if (syntax.some((e) => /Maximum call stack/.test(e.message))) throw new ConfigError(source, [{ path: '', message: TOO_DEEP }]);
  if (syntax.length > 0) {
    throw new ConfigError(
      source,
      syntax.map((e) => ({ path: '', message: e.message, ...linePosition(lineCounter, e.pos[0]) })),
    );
  }
  let data: unknown;
  try {
    data = doc.toJS();
  } catch (e) {
    // An alias bomb (anchors referring to anchors, growing exponentially) or nesting the converter cannot follow.
    const message = e instanceof RangeError ? TOO_DEEP : `the YAML aliases expand too far (${errorMessage(e)}); write the values out, or refer to fewer anchors`;
    throw new ConfigError(source, [{ path: '', message }]);
  }
  return { data, locate: locator(doc, lineCounter) };
}

const TOO_DEEP = 'the document nests too deeply for the YAML parser (a config nests a few levels); is this the right file?';

/** Keys that appear twice in one mapping, with the path and position of the second and the line of the first. */
function duplicateKeys(doc: Document, lineCounter: LineCounterType): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  // Iterative, so a deeply nested document cannot overflow the stack.
  const stack: { node: unknown; path: PathSegment[] }[] = [{ node: doc.contents, path: [] }];
  while (stack.length > 0) {
    const { node, path } = stack.pop()!;
    if (isMap(node)) {
      const seen = new Map<string, number>();
      for (const pair of node.items) {
        if (!isScalar(pair.key)) continue;
        const key = String(pair.key.value);
        const at = pair.key.range?.[0] ?? 0;
        const first = seen.get(key);
        if (first !== undefined) {
          problems.push({
            path: formatPath([...path, key]),
            message: `duplicate key ${JSON.stringify(key)} (first at line ${linePosition(lineCounter, first).line}); JSON would silently keep only the last`,
            ...linePosition(lineCounter, at),
          });
        } else seen.set(key, at);
        stack.push({ node: pair.value, path: [...path, key] });
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, j) => stack.push({ node: item, path: [...path, j] }));
    }
  }
  return problems.sort((a, b) => a.line! - b.line! || a.column! - b.column!);
}

/** Throws a ConfigError of `issues` (when there are any), positioned by `locate` and in file order. */
export function throwIssues(source: string, issues: readonly Issue[], locate: Locate): void {
  if (issues.length === 0) return;
  const problems = issues.map((issue) => ({ path: formatPath(issue.path), message: issue.message, ...locate(issue.path, issue.at) }));
  // In file order; problems without a position last.
  problems.sort((a, b) => (a.line ?? Infinity) - (b.line ?? Infinity) || (a.column ?? 0) - (b.column ?? 0));
  throw new ConfigError(source, problems);
}
