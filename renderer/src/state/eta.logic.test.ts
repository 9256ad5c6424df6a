import { describe, expect, it } from 'vitest';
import { NO_ESTIMATE, observe, secondsLeft, type EtaEstimate } from './eta.logic';

const MiB = 1024 * 1024;

/** Observations every `step` ms of a batch moving `bytesPerSecond` and `filesPerSecond`. */
function run(seconds: number, bytesPerSecond: number, filesPerSecond = 0, step = 100) {
  let estimate: EtaEstimate = NO_ESTIMATE;
  for (let t = 0; t <= seconds * 1000; t += step) {
    estimate = observe(
      estimate,
      1_000_000 + t,
      (bytesPerSecond * t) / 1000,
      Math.floor((filesPerSecond * t) / 1000),
      true,
    );
  }
  return estimate;
}

describe('the batch ETA', () => {
  it('says nothing until the pace has been seen for a few seconds', () => {
    expect(secondsLeft(NO_ESTIMATE, 100 * MiB, 1)).toBeNull();
    expect(secondsLeft(run(1, 20 * MiB), 100 * MiB, 1)).toBeNull();
    expect(secondsLeft(run(2.5, 20 * MiB), 100 * MiB, 1)).toBeNull();
    expect(secondsLeft(run(4, 20 * MiB), 100 * MiB, 1)).toBeCloseTo(5, 0);
  });

  it('is not thrown by a slow first second (the batch that said "29h 55m left" and took 8 s)', () => {
    // 301 files, 260 MiB: the first second moves 30 KiB (hashing, first requests), then 40 MiB/s.
    let estimate: EtaEstimate = NO_ESTIMATE;
    let bytes = 0;
    let files = 0;
    for (let t = 0; t <= 4000; t += 100) {
      bytes += t < 1000 ? 3 * 1024 : 4 * MiB;
      files += t < 1000 ? 0 : 5;
      estimate = observe(estimate, t, bytes, files, true);
      const left = secondsLeft(estimate, 260 * MiB - bytes, 301 - files);
      if (left !== null) expect(left).toBeLessThan(60);
    }
    expect(secondsLeft(estimate, 260 * MiB - bytes, 301 - files)).not.toBeNull();
  });

  it('counts the time between files: many small files go by files per second', () => {
    // 1 MiB/s of bytes but 10 files a second: 500 small files left take 50 s, not 1.
    const estimate = run(6, MiB, 10);
    expect(secondsLeft(estimate, MiB, 500)).toBeCloseTo(50, -1);
  });

  it('starts over when nothing moves (all paused), and after the batch shrank', () => {
    const moving = run(6, 20 * MiB);
    expect(
      secondsLeft(observe(moving, moving.at! + 100, moving.bytes, 0, false), MiB, 1),
    ).toBeNull();
    expect(secondsLeft(observe(moving, moving.at! + 100, 0, 0, true), MiB, 1)).toBeNull();
  });
});
