// The replay clock: which frame is showing, whether it advances, and how fast.
// One clock drives every pane, which is what keeps side-by-side episodes in
// sync. Frames advance at the env's own rate times the speed; playing past
// the last frame stops there, and play from the end starts over.

export const SPEEDS = [0.25, 0.5, 1, 2, 4, 8] as const;

export class Playback {
  private current = 0;
  private running = false;
  private speedIndex = SPEEDS.indexOf(1);
  /** Fractional frames accumulated between animation frames. */
  private carry = 0;
  private readonly listeners = new Set<() => void>();

  constructor(
    /** The last frame index (frames - 1 of the longest episode). */
    readonly last: number,
    /** Frames per second at 1x. */
    readonly fps: number,
  ) {}

  get frame(): number {
    return this.current;
  }

  get playing(): boolean {
    return this.running;
  }

  get speed(): number {
    return SPEEDS[this.speedIndex]!;
  }

  /** Called after every change of frame, play state or speed. */
  onChange(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  private changed(): void {
    for (const fn of this.listeners) fn();
  }

  seek(frame: number): void {
    this.current = Math.max(0, Math.min(this.last, Math.round(frame)));
    this.carry = 0;
    this.changed();
  }

  /** Pauses and moves by `delta` frames. */
  step(delta: number): void {
    this.running = false;
    this.seek(this.current + delta);
  }

  play(): void {
    if (this.current >= this.last) this.current = 0;
    this.running = true;
    this.carry = 0;
    this.changed();
  }

  pause(): void {
    this.running = false;
    this.changed();
  }

  toggle(): void {
    if (this.running) this.pause();
    else this.play();
  }

  setSpeed(speed: number): void {
    const i = SPEEDS.indexOf(speed as (typeof SPEEDS)[number]);
    if (i >= 0) this.speedIndex = i;
    this.changed();
  }

  faster(): void {
    this.speedIndex = Math.min(SPEEDS.length - 1, this.speedIndex + 1);
    this.changed();
  }

  slower(): void {
    this.speedIndex = Math.max(0, this.speedIndex - 1);
    this.changed();
  }

  /** Advances by `seconds` of wall time while playing. */
  tick(seconds: number): void {
    if (!this.running) return;
    // A long pause between animation frames (a hidden tab) should not jump far ahead.
    this.carry += Math.min(seconds, 0.25) * this.fps * this.speed;
    const whole = Math.floor(this.carry);
    if (whole === 0) return;
    this.carry -= whole;
    this.current = Math.min(this.last, this.current + whole);
    if (this.current >= this.last) this.running = false;
    this.changed();
  }
}
