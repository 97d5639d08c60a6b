// core/named-registry.ts: the one registry behind envs, games, agents and
// multi-agent learners: refusals on registering, sorted listing, and the
// messages of a miss for versioned ids and for plain names.
import { describe, expect, it } from 'vitest';
import { NamedRegistry, resolveKwargs } from '../../core/named-registry.js';

class UnknownThing extends Error {}

describe('NamedRegistry', () => {
  it('refuses a malformed versioned id and a name registered twice, and lists entries sorted by name', () => {
    const r = new NamedRegistry<number>({ kind: 'thing', registrar: 'registerThing', versioned: true });
    expect(() => r.add('no spaces-v0', 1)).toThrow('registerThing: malformed thing id "no spaces-v0" (expected e.g. "[namespace/]Name-v0")');
    r.add('Beta-v0', 2);
    r.add('ns/Alpha-v1', 1);
    r.add('Alpha-v1', 0);
    expect(() => r.add('Beta-v0', 3)).toThrow('registerThing: Beta-v0 is already registered');
    expect(r.names()).toEqual(['Alpha-v1', 'Beta-v0', 'ns/Alpha-v1']);
    expect(r.list()).toEqual([0, 2, 1]);
    expect(r.remove('Beta-v0')).toBe(true);
    expect(r.has('Beta-v0')).toBe(false);
  });

  it('a missed versioned id names the other versions of its name, else the closest ids, else all of them, with the given error class', () => {
    const r = new NamedRegistry<number>({ kind: 'thing', registrar: 'registerThing', versioned: true, unknownError: UnknownThing });
    r.add('Gadget-v2', 0);
    r.add('Gadget-v3', 1);
    r.add('Widget-v0', 2);
    expect(() => r.get('Gadget-v9')).toThrow(UnknownThing);
    expect(() => r.get('Gadget-v9')).toThrow(/^thing "Gadget-v9" is not registered; available versions: Gadget-v2, Gadget-v3$/);
    expect(() => r.get('Widgit-v1')).toThrow(/^thing "Widgit-v1" is not registered; did you mean Widget-v0\?$/);
    expect(() => r.get('Qqqqqqqqqqqqqqqq-v0')).toThrow(/^thing "Qqqqqqqqqqqqqqqq-v0" is not registered; registered things: Gadget-v2, Gadget-v3, Widget-v0$/);
  });

  it('a missed plain name suggests the closest and lists all', () => {
    const r = new NamedRegistry<number>({ kind: 'helper', registrar: 'registerHelper', versioned: false });
    r.add('alpha', 0);
    r.add('beta', 1);
    expect(() => r.get('alpah')).toThrow(new TypeError('unknown helper "alpah"; did you mean "alpha"? available: alpha, beta'));
    expect(() => r.get('zzzzzzzz')).toThrow(new TypeError('unknown helper "zzzzzzzz"; available: alpha, beta'));
  });
});

describe('resolveKwargs', () => {
  it('merges the given kwargs over the defaults and names the closest allowed key of an unknown one', () => {
    const reg = { id: 'Gadget-v2', kwargs: { speed: 1, mode: 'a' } };
    expect(resolveKwargs(reg, { speed: 3 })).toEqual({ speed: 3, mode: 'a' });
    expect(() => resolveKwargs(reg, { sped: 3 })).toThrow('Gadget-v2: unknown keyword argument "sped" (did you mean speed?); allowed: speed, mode');
    expect(() => resolveKwargs({ id: 'Bare-v0' }, { x: 1 })).toThrow('Bare-v0: unknown keyword argument "x"; it takes none');
  });
});
