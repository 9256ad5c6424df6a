import { describe, expect, it } from 'vitest';
import { gridMove, type GridShape } from './grid-keys.logic';

// Rows 0..9; even rows have two buttons (Pause, Cancel), odd rows one (Details).
const shape: GridShape = { rows: 10, controls: (row) => (row % 2 === 0 ? 2 : 1), pageRows: 4 };

describe('gridMove', () => {
  it('moves between rows with the arrows, Page Up/Down and Home/End, within the list', () => {
    expect(gridMove('ArrowDown', { row: 0, col: -1 }, shape)).toEqual({ row: 1, col: -1 });
    expect(gridMove('ArrowUp', { row: 0, col: -1 }, shape)).toEqual({ row: 0, col: -1 });
    expect(gridMove('ArrowDown', { row: 9, col: -1 }, shape)).toEqual({ row: 9, col: -1 });
    expect(gridMove('PageDown', { row: 0, col: -1 }, shape)).toEqual({ row: 3, col: -1 });
    expect(gridMove('PageUp', { row: 2, col: -1 }, shape)).toEqual({ row: 0, col: -1 });
    expect(gridMove('End', { row: 2, col: 1 }, shape)).toEqual({ row: 9, col: -1 });
    expect(gridMove('Home', { row: 7, col: 0 }, shape)).toEqual({ row: 0, col: -1 });
  });

  it("moves along a row's buttons with Left/Right, the row itself being left of them", () => {
    expect(gridMove('ArrowRight', { row: 0, col: -1 }, shape)).toEqual({ row: 0, col: 0 });
    expect(gridMove('ArrowRight', { row: 0, col: 1 }, shape)).toEqual({ row: 0, col: 1 });
    expect(gridMove('ArrowLeft', { row: 0, col: 0 }, shape)).toEqual({ row: 0, col: -1 });
    expect(gridMove('ArrowLeft', { row: 0, col: -1 }, shape)).toEqual({ row: 0, col: -1 });
    const noButtons: GridShape = { ...shape, controls: () => 0 };
    expect(gridMove('ArrowRight', { row: 3, col: -1 }, noButtons)).toEqual({ row: 3, col: -1 });
  });

  it('keeps the column going up and down while the next row has it', () => {
    expect(gridMove('ArrowDown', { row: 0, col: 0 }, shape)).toEqual({ row: 1, col: 0 });
    expect(gridMove('ArrowDown', { row: 0, col: 1 }, shape)).toEqual({ row: 1, col: -1 });
  });

  it('leaves other keys (Tab, Enter, letters) and an empty list to the browser', () => {
    expect(gridMove('Tab', { row: 0, col: -1 }, shape)).toBeNull();
    expect(gridMove('Enter', { row: 0, col: -1 }, shape)).toBeNull();
    expect(gridMove('ArrowDown', { row: 0, col: -1 }, { ...shape, rows: 0 })).toBeNull();
  });
});
