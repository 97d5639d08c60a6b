import { describe, expect, it } from 'vitest';
import { parseSetting, settingsOf } from '../../bench/overrides.js';

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
    expect(settingsOf(['a=1', 'b=x', 'a=2'])).toEqual({ a: 2, b: 'x' });
    expect(settingsOf([])).toEqual({});
    expect(() => settingsOf(['a=1', 'b'])).toThrow(/--set b: expected key=value/);
  });
});
