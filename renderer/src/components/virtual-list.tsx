import { useCallback, useEffect, useLayoutEffect, useRef, useState, type ReactNode } from 'react';
import { visibleRange } from '../state/windowing.logic';

export interface VirtualListProps {
  /** The table's accessible name. */
  label: string;
  count: number;
  rowHeight: number;
  /** Stable key of row `index` (an upload id). */
  rowKey(index: number): string;
  renderRow(index: number): ReactNode;
  /** Column headers: a role="row" element. */
  header?: ReactNode;
  className?: string;
  rowClassName?(index: number): string;
  onRowClick?(index: number): void;
  overscan?: number;
  empty?: ReactNode;
}

/**
 * A table that renders only the rows on screen (plus a few), so ten thousand
 * uploads scroll as smoothly as ten. Rows have a fixed height; the scroll
 * area is focusable, so the keyboard scrolls it, and screen readers get the
 * real row count and each row's index.
 */
export function VirtualList(props: VirtualListProps) {
  const { count, rowHeight, overscan = 6 } = props;
  const viewport = useRef<HTMLDivElement>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const [height, setHeight] = useState(400);
  const frame = useRef<number | null>(null);

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

  const { start, end } = visibleRange(scrollTop, height, rowHeight, count, overscan);
  const rows: ReactNode[] = [];
  for (let index = start; index < end; index++) {
    rows.push(
      <div
        key={props.rowKey(index)}
        role="row"
        aria-rowindex={index + 2}
        className={`vrow ${props.rowClassName?.(index) ?? ''}`}
        style={{ transform: `translateY(${index * rowHeight}px)`, height: rowHeight }}
        onClick={props.onRowClick ? () => props.onRowClick?.(index) : undefined}
      >
        {props.renderRow(index)}
      </div>,
    );
  }

  return (
    <div
      role="table"
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
        tabIndex={0}
        aria-label={`${props.label}, ${count.toLocaleString('en-US')} ${count === 1 ? 'row' : 'rows'}`}
        onScroll={onScroll}
      >
        {count === 0 ? (
          props.empty
        ) : (
          <div className="vtable-spacer" style={{ height: count * rowHeight }}>
            {rows}
          </div>
        )}
      </div>
    </div>
  );
}
