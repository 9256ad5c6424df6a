import {
  useCallback,
  useEffect,
  useLayoutEffect,
  useRef,
  useState,
  type KeyboardEvent,
  type ReactNode,
} from 'react';
import { gridMove, type GridPosition } from '../state/grid-keys.logic';
import { scrollToShow, visibleRange } from '../state/windowing.logic';

export interface VirtualListProps {
  /** The grid's accessible name. */
  label: string;
  count: number;
  rowHeight: number;
  /** Stable key of row `index` (an upload id). */
  rowKey(index: number): string;
  renderRow(index: number): ReactNode;
  /** Column headers: a role="row" element. */
  header?: ReactNode;
  className?: string;
  /** The row shown selected (History's details). */
  isSelected?(index: number): boolean;
  /** A click on the row, or Enter on it. */
  onRowActivate?(index: number): void;
  overscan?: number;
  empty?: ReactNode;
  /**
   * Rows are shown within `within` of the last: History loads its next page
   * then. Called again on each render while that holds; the caller ignores
   * what it already asked for.
   */
  onNearEnd?: { within: number; load(): void };
}

/** What a row's controls are: its buttons, links and fields. */
const CONTROLS = 'button, a[href], input, select, textarea';

interface Active {
  key: string | null;
  /** Where that key was last seen, to find it again without a scan. */
  index: number;
  col: number;
}

/** The active row by its key (rows move: a new upload goes first), else by its place. */
function findRow(active: Active, count: number, rowKey: (index: number) => string): number {
  const hint = Math.min(active.index, Math.max(0, count - 1));
  if (active.key === null || count === 0 || rowKey(hint) === active.key) return hint;
  for (let i = 0; i < count; i++) if (rowKey(i) === active.key) return i;
  return hint;
}

/** Makes the active row (or its button) the one Tab stop and every other control -1; returns it. */
function syncTabStops(
  body: HTMLElement,
  activeKey: string | null,
  activeCol: number,
): HTMLElement | null {
  let target: HTMLElement | null = null;
  for (const row of body.querySelectorAll<HTMLElement>('[data-row-key]')) {
    const isActive = row.dataset.rowKey === activeKey;
    const controls = [...row.querySelectorAll<HTMLElement>(CONTROLS)];
    const col = isActive ? Math.min(activeCol, controls.length - 1) : -1;
    row.tabIndex = isActive && col === -1 ? 0 : -1;
    controls.forEach((control, i) => (control.tabIndex = isActive && i === col ? 0 : -1));
    if (isActive) target = col === -1 ? row : (controls[col] ?? row);
  }
  return target;
}

/**
 * A grid that renders only the rows on screen (plus a few), so ten thousand
 * uploads scroll as smoothly as ten. Rows have a fixed height.
 *
 * Note on the keyboard (the WAI-ARIA grid pattern): the whole list is one Tab
 * stop, the active row (or one of its buttons); Up/Down, Page Up/Down,
 * Home/End move between rows and Left/Right between a row's buttons. The
 * active row is always rendered, even scrolled away, so the Tab stop never
 * disappears; and when a re-render removes the focused button (Pause becomes
 * Resume), focus goes back to the same row rather than to the page.
 */
export function VirtualList(props: VirtualListProps) {
  const { count, rowHeight, overscan = 6 } = props;
  const viewport = useRef<HTMLDivElement>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const [height, setHeight] = useState(400);
  const frame = useRef<number | null>(null);
  const [active, setActive] = useState<Active>({ key: null, index: 0, col: -1 });
  /** Focus is in the grid (and a removed element took it away, not the user). */
  const focused = useRef(false);

  useLayoutEffect(() => {
    const element = viewport.current;
    if (!element) return;
    setHeight(element.clientHeight);
    const observer = new ResizeObserver(() => setHeight(element.clientHeight));
    observer.observe(element);
    return () => observer.disconnect();
  }, []);

  useEffect(
    () => () => {
      if (frame.current !== null) cancelAnimationFrame(frame.current);
    },
    [],
  );

  const onScroll = useCallback(() => {
    if (frame.current !== null) return;
    frame.current = requestAnimationFrame(() => {
      frame.current = null;
      if (viewport.current) setScrollTop(viewport.current.scrollTop);
    });
  }, []);

  const { rowKey } = props;
  const activeIndex = findRow(active, count, rowKey);
  const activeKey = count > 0 ? rowKey(activeIndex) : null;
  const activeCol = active.col;

  /** After rows re-render: tab stops again, and focus back if a removed element took it. */
  useLayoutEffect(() => {
    const body = viewport.current;
    if (!body) return;
    const refocus = () => {
      const target = syncTabStops(body, activeKey, activeCol);
      const lost = document.activeElement === null || document.activeElement === document.body;
      if (focused.current && lost && target) target.focus({ preventScroll: true });
    };
    refocus();
    const observer = new MutationObserver(refocus);
    observer.observe(body, { childList: true, subtree: true });
    return () => observer.disconnect();
  }, [activeKey, activeCol]);

  const moveTo = (position: GridPosition) => {
    const key = rowKey(position.row);
    setActive({ key, index: position.row, col: position.col });
    const body = viewport.current;
    if (!body) return;
    const top = scrollToShow(position.row, body.scrollTop, body.clientHeight, rowHeight);
    if (top !== null) {
      body.scrollTop = top;
      setScrollTop(top);
    }
    const focusRow = () => {
      const row = body.querySelector<HTMLElement>(`[data-row-key="${CSS.escape(key)}"]`);
      if (!row) return false;
      const controls = [...row.querySelectorAll<HTMLElement>(CONTROLS)];
      (position.col === -1 ? row : (controls[position.col] ?? row)).focus({ preventScroll: true });
      return true;
    };
    // A row off screen is rendered only after the next render.
    if (!focusRow()) requestAnimationFrame(focusRow);
  };

  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>) => {
    if (event.altKey || event.ctrlKey || event.metaKey || count === 0) return;
    // On the scroll area itself (clicked, not a row): from the active row.
    const row = (event.target as HTMLElement).closest<HTMLElement>('[data-row-key]');
    const index = row ? Number(row.dataset.rowIndex) : activeIndex;
    const controls = row ? [...row.querySelectorAll<HTMLElement>(CONTROLS)] : [];
    const col = controls.indexOf(event.target as HTMLElement);
    if (event.key === 'Enter' && row && col === -1 && props.onRowActivate) {
      event.preventDefault();
      props.onRowActivate(index);
      return;
    }
    const next = gridMove(
      event.key,
      { row: index, col },
      {
        rows: count,
        pageRows: Math.max(1, Math.floor(height / rowHeight)),
        controls: (i) =>
          i === index
            ? controls.length
            : (viewport.current
                ?.querySelector(`[data-row-index="${i}"]`)
                ?.querySelectorAll(CONTROLS).length ?? 0),
      },
    );
    if (!next) return;
    event.preventDefault();
    moveTo(next);
  };

  const { start, end } = visibleRange(scrollTop, height, rowHeight, count, overscan);
  const { onNearEnd } = props;
  const nearEnd = onNearEnd !== undefined && count > 0 && end >= count - onNearEnd.within;
  useEffect(() => {
    if (nearEnd) onNearEnd.load();
  });
  const indexes: number[] = [];
  if (count > 0 && (activeIndex < start || activeIndex >= end)) indexes.push(activeIndex);
  for (let index = start; index < end; index++) indexes.push(index);
  const rows = indexes.map((index) => {
    const key = rowKey(index);
    return (
      <div
        key={key}
        role="row"
        aria-rowindex={index + 2}
        data-row-key={key}
        data-row-index={index}
        aria-selected={props.isSelected ? props.isSelected(index) : undefined}
        className={`vrow ${props.isSelected?.(index) ? 'selected' : ''}`}
        style={{ transform: `translateY(${index * rowHeight}px)`, height: rowHeight }}
        onClick={props.onRowActivate ? () => props.onRowActivate?.(index) : undefined}
      >
        {props.renderRow(index)}
      </div>
    );
  });

  return (
    <div
      role="grid"
      aria-label={props.label}
      aria-rowcount={count + 1}
      className={`vtable ${props.className ?? ''}`}
    >
      <div role="rowgroup" className="vtable-head">
        {props.header}
      </div>
      <div
        ref={viewport}
        role="rowgroup"
        className="vtable-body"
        // Not a Tab stop itself: its active row is (and an empty list has nothing to reach).
        tabIndex={-1}
        aria-label={`${props.label}, ${count.toLocaleString('en-US')} ${count === 1 ? 'row' : 'rows'}`}
        onScroll={onScroll}
        onKeyDown={onKeyDown}
        onFocus={(event) => {
          focused.current = true;
          const row = (event.target as HTMLElement).closest<HTMLElement>('[data-row-key]');
          if (!row) return;
          const controls = [...row.querySelectorAll<HTMLElement>(CONTROLS)];
          const col = controls.indexOf(event.target as HTMLElement);
          const key = row.dataset.rowKey ?? null;
          if (key !== active.key || col !== active.col) {
            setActive({ key, index: Number(row.dataset.rowIndex), col });
          }
        }}
        onBlur={(event) => {
          const from = event.target;
          const to = event.relatedTarget as Node | null;
          if (to && event.currentTarget.contains(to)) return;
          // A removed element loses focus too: that is not the user leaving the list.
          queueMicrotask(() => {
            if (from.isConnected) focused.current = false;
          });
        }}
      >
        {count === 0 ? (
          <div role="row">
            <div role="gridcell">{props.empty}</div>
          </div>
        ) : (
          <div className="vtable-spacer" style={{ height: count * rowHeight }}>
            {rows}
          </div>
        )}
      </div>
    </div>
  );
}
