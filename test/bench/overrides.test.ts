import { describe, expect, it } from 'vitest';
import { parseSetting, settingsFrom } from '../../bench/overrides.js';

describe('benchmark --set key=value', () => {
  it('reads values as JSON when they parse, else as strings', () => {
    expect(parseSetting('fixedWeight=8')).toEqual(['fixedWeight', 8]);
    expect(parseSetting('hidden=[128,128]')).toEqual(['hidden', [128, 128]]);
    expect(parseSetting('doubleQ=true')).toEqual(['doubleQ', true]);
    expect(parseSetting('lrSchedule=linear')).toEqual(['lrSchedule', 'linear']);
    expect(parseSetting('name=a=b')).toEqual(['name', 'a=b']);
  });

  it('rejects a setting without a key', () => {
    expect(() => parseSetting('=3')).toThrow(/--set =3: expected key=value/);
    expect(() => parseSetting('fixedWeight')).toThrow(/--set fixedWeight: expected key=value/);
  });

  it('collects every --set of a command line, the later one winning', () => {
    expect(settingsFrom(['--tasks', 'c4', '--set', 'a=1', '--seeds', '3', '--set', 'b=x', '--set', 'a=2'])).toEqual({ a: 2, b: 'x' });
    expect(settingsFrom(['--tasks', 'c4'])).toEqual({});
    expect(() => settingsFrom(['--set'])).toThrow(/--set needs a value/);
  });
});
