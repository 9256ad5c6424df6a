/**
 * Where the keyboard goes in a list of rows (the WAI-ARIA grid pattern): the
 * list is one Tab stop, the arrows move inside it. A position is a row and a
 * column: column -1 is the row itself, 0.. its controls (the row's buttons).
 */
export interface GridPosition {
  row: number;
  col: number;
}

export interface GridShape {
  rows: number;
  /** How many controls row `row` has. */
  controls(row: number): number;
  /** Rows one page moves (those on screen). */
  pageRows: number;
}

/** The position after `key`, or null when the key is not the grid's (let the browser have it). */
export function gridMove(key: string, at: GridPosition, shape: GridShape): GridPosition | null {
  if (shape.rows === 0) return null;
  const row = Math.max(0, Math.min(shape.rows - 1, at.row));
  const inRow = (target: number) => {
    const next = Math.max(0, Math.min(shape.rows - 1, target));
    // Up and down keep the column while the next row has it; else the row itself.
    return { row: next, col: at.col < shape.controls(next) ? at.col : -1 };
  };
  switch (key) {
    case 'ArrowDown':
      return inRow(row + 1);
    case 'ArrowUp':
      return inRow(row - 1);
    case 'PageDown':
      return inRow(row + Math.max(1, shape.pageRows - 1));
    case 'PageUp':
      return inRow(row - Math.max(1, shape.pageRows - 1));
    case 'Home':
      return { row: 0, col: -1 };
    case 'End':
      return { row: shape.rows - 1, col: -1 };
    case 'ArrowRight':
      return { row, col: Math.min(shape.controls(row) - 1, at.col + 1) };
    case 'ArrowLeft':
      return { row, col: Math.max(-1, at.col - 1) };
    default:
      return null;
  }
}
