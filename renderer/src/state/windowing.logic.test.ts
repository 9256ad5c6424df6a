import { describe, expect, it } from 'vitest';
import { scrollToShow, visibleRange } from './windowing.logic';

describe('visibleRange', () => {
  it('renders the rows on screen plus the overscan', () => {
    expect(visibleRange(0, 500, 50, 10_000, 5)).toEqual({ start: 0, end: 16 });
    expect(visibleRange(50_000, 500, 50, 10_000, 5)).toEqual({ start: 995, end: 1016 });
  });

  it('stops at the end of the list', () => {
    expect(visibleRange(499_500, 500, 50, 10_000, 5)).toEqual({ start: 9985, end: 10_000 });
    // Scrolled past the end (the list just shrank): still shows its last rows.
    expect(visibleRange(1e9, 500, 50, 20, 5)).toEqual({ start: 14, end: 20 });
  });

  it('renders a bounded number of rows however long the list', () => {
    for (const count of [10, 1000, 10_000, 1_000_000]) {
      const { start, end } = visibleRange(count * 25, 800, 58, count);
      expect(end - start).toBeLessThanOrEqual(Math.ceil(800 / 58) + 1 + 12);
    }
  });

  it('renders nothing for an empty list', () => {
    expect(visibleRange(0, 500, 50, 0)).toEqual({ start: 0, end: 0 });
  });
});

describe('scrollToShow', () => {
  it('scrolls the least needed to show a row', () => {
    expect(scrollToShow(0, 100, 500, 50)).toBe(0);
    expect(scrollToShow(20, 0, 500, 50)).toBe(550);
    expect(scrollToShow(5, 0, 500, 50)).toBeNull();
  });
});
