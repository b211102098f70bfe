"use client";

import * as React from "react";
import { cn } from "~/lib/utils";

/**
 * The header's labels, handed down to the body's cells: below `md` (globals.css) a row turns
 * into a card and each cell shows its column's label beside its value, so one table is both
 * the desktop list and the phone's cards.
 */
interface Columns {
  labels: readonly string[];
  /** the last cell of a row holds its buttons */
  actions: boolean;
}
const ColumnsContext = React.createContext<Columns | null>(null);
const CellIndexContext = React.createContext<number | null>(null);

/** The labels of a `TableColumns` among the table's children; none for a table without one. */
function columnsOf(children: React.ReactNode): Columns | null {
  for (const child of React.Children.toArray(children)) {
    if (React.isValidElement<TableColumnsProps>(child) && child.type === TableColumns) {
      const { columns, actionsLabel } = child.props;
      return { labels: columns.map((c) => (typeof c === "string" ? c : c.label)), actions: !!actionsLabel };
    }
  }
  return null;
}

export function Table({ className, children, ...props }: React.TableHTMLAttributes<HTMLTableElement>) {
  return (
    // `relative`: the actions header's screen-reader text is absolutely positioned; without it
    // that text escaped this scroll box and made the whole page scroll sideways.
    <div className="relative w-full overflow-x-auto">
      <table data-cards="" className={cn("w-full caption-bottom border-collapse text-sm", className)} {...props}>
        <ColumnsContext.Provider value={columnsOf(children)}>{children}</ColumnsContext.Provider>
      </table>
    </div>
  );
}

export function TableHeader({ className, ...props }: React.HTMLAttributes<HTMLTableSectionElement>) {
  return <thead className={cn("border-b border-border", className)} {...props} />;
}

export function TableBody({ className, ...props }: React.HTMLAttributes<HTMLTableSectionElement>) {
  return <tbody className={cn("[&_tr:last-child]:border-0", className)} {...props} />;
}

/** A row; each element child is a cell, told its column (a `null` left by a condition counts for nothing). */
export function TableRow({ className, children, ...props }: React.HTMLAttributes<HTMLTableRowElement>) {
  let index = 0;
  const cells = React.Children.map(children, (child) =>
    React.isValidElement(child) ? <CellIndexContext.Provider value={index++}>{child}</CellIndexContext.Provider> : child,
  );
  return (
    <tr className={cn("border-b border-border transition-colors hover:bg-muted/50", className)} {...props}>
      {cells}
    </tr>
  );
}

export function TableHead({ className, ...props }: React.ThHTMLAttributes<HTMLTableCellElement>) {
  return (
    <th
      scope="col"
      className={cn("h-10 px-3 text-left align-middle text-xs font-semibold uppercase tracking-wide text-muted-foreground", className)}
      {...props}
    />
  );
}

/**
 * A cell. Under a `TableColumns` header it carries its column's label (`data-label`), or
 * `data-actions` in the buttons' column, for the card layout of narrow screens; its content
 * sits in a `display: contents` box, which the card layout turns into the value's column.
 */
export function TableCell({ className, children, ...props }: React.TdHTMLAttributes<HTMLTableCellElement>) {
  const columns = React.useContext(ColumnsContext);
  const index = React.useContext(CellIndexContext);
  const label = columns && index !== null ? columns.labels[index] : undefined;
  const actions = !!columns?.actions && index === columns.labels.length;
  return (
    <td data-label={label} data-actions={actions ? "" : undefined} className={cn("px-3 py-2.5 align-middle", className)} {...props}>
      {label ? (
        <div data-cell-value="" className="contents">
          {children}
        </div>
      ) : (
        children
      )}
    </td>
  );
}

export function TableCaption({ className, ...props }: React.HTMLAttributes<HTMLTableCaptionElement>) {
  return <caption className={cn("mt-3 text-sm text-muted-foreground", className)} {...props} />;
}

/** A header cell's text, or its text with classes (a right-aligned number column). */
export type TableColumn = string | { label: string; className: string };

interface TableColumnsProps {
  columns: readonly TableColumn[];
  actionsLabel?: string;
}

/**
 * A table's header row. With `actionsLabel` a last column holds the rows' buttons: its name is
 * for screen readers only, the buttons say what they do. Put it straight inside `Table`: the
 * table reads the labels from it for its narrow-screen cards.
 */
export function TableColumns({ columns, actionsLabel }: TableColumnsProps) {
  return (
    <TableHeader>
      <TableRow>
        {columns.map((column) =>
          typeof column === "string" ? (
            <TableHead key={column}>{column}</TableHead>
          ) : (
            <TableHead key={column.label} className={column.className}>
              {column.label}
            </TableHead>
          ),
        )}
        {actionsLabel ? (
          <TableHead>
            <span className="sr-only">{actionsLabel}</span>
          </TableHead>
        ) : null}
      </TableRow>
    </TableHeader>
  );
}
