import type * as React from "react";
import { cn } from "~/lib/utils";

export function Table({ className, ...props }: React.TableHTMLAttributes<HTMLTableElement>) {
  return (
    <div className="w-full overflow-x-auto">
      <table className={cn("w-full caption-bottom border-collapse text-sm", className)} {...props} />
    </div>
  );
}

export function TableHeader({ className, ...props }: React.HTMLAttributes<HTMLTableSectionElement>) {
  return <thead className={cn("border-b border-border", className)} {...props} />;
}

export function TableBody({ className, ...props }: React.HTMLAttributes<HTMLTableSectionElement>) {
  return <tbody className={cn("[&_tr:last-child]:border-0", className)} {...props} />;
}

export function TableRow({ className, ...props }: React.HTMLAttributes<HTMLTableRowElement>) {
  return <tr className={cn("border-b border-border transition-colors hover:bg-muted/50", className)} {...props} />;
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

export function TableCell({ className, ...props }: React.TdHTMLAttributes<HTMLTableCellElement>) {
  return <td className={cn("px-3 py-2.5 align-middle", className)} {...props} />;
}

export function TableCaption({ className, ...props }: React.HTMLAttributes<HTMLTableCaptionElement>) {
  return <caption className={cn("mt-3 text-sm text-muted-foreground", className)} {...props} />;
}

/** A header cell's text, or its text with classes (a right-aligned number column). */
export type TableColumn = string | { label: string; className: string };

/**
 * A table's header row. With `actionsLabel` a last column holds the rows' buttons: its name is
 * for screen readers only, the buttons say what they do.
 */
export function TableColumns({ columns, actionsLabel }: { columns: readonly TableColumn[]; actionsLabel?: string }) {
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
