"use client";

import * as React from "react";
import { Button } from "~/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "~/components/ui/card";
import { FieldError, Label } from "~/components/ui/label";
import type { RowList } from "./use-workload-form";

/** Each row control's error, by the control's id (`env-0-key`); provided by the form around its editors. */
export const RowErrorsContext = React.createContext<Readonly<Record<string, string>>>({});

/**
 * A card of editable rows (environment variables, ports, volumes): its title, description and
 * Add button, the rows (each drawn by `children`), a note under them, and the server's error
 * for the whole list. A row added with the button gets the focus in its first control.
 */
export function RowEditor<R extends { uid: number }>({
  texts,
  list,
  error,
  className,
  note,
  children,
}: {
  texts: { title: string; description: string; add: string; empty: string };
  list: RowList<R>;
  error?: string;
  className: string;
  note?: React.ReactNode;
  children: (row: R, i: number) => React.ReactNode;
}) {
  const lastRow = React.useRef<HTMLDivElement>(null);
  const [added, setAdded] = React.useState(0);
  // After the new row has rendered: focus its first control (not on the first render, nor after a remove).
  React.useEffect(() => {
    if (added > 0) lastRow.current?.querySelector<HTMLElement>("input, select, textarea")?.focus();
  }, [added]);
  return (
    <Card>
      <CardHeader className="flex-row flex-wrap items-start justify-between gap-3">
        <div className="flex flex-col gap-1.5">
          <CardTitle>{texts.title}</CardTitle>
          <CardDescription>{texts.description}</CardDescription>
        </div>
        <Button
          variant="outline"
          size="sm"
          onClick={() => {
            list.add();
            setAdded((n) => n + 1);
          }}
        >
          {texts.add}
        </Button>
      </CardHeader>
      <CardContent className={className}>
        {list.rows.length === 0 ? <p className="text-sm text-muted-foreground">{texts.empty}</p> : null}
        {list.rows.map((row, i) => (
          <div key={row.uid} ref={i === list.rows.length - 1 ? lastRow : undefined} className="contents">
            {children(row, i)}
          </div>
        ))}
        {note}
        <FieldError>{error}</FieldError>
      </CardContent>
    </Card>
  );
}

/**
 * One labelled control of a row, with its error (from RowErrorsContext) under it: the control
 * is marked aria-invalid and described by the error, beside what already describes it.
 */
export function RowField({ id, label, children }: { id: string; label: React.ReactNode; children: React.ReactElement }) {
  const error = React.useContext(RowErrorsContext)[id];
  const errorId = `${id}-error`;
  const own = (children.props as { "aria-describedby"?: string })["aria-describedby"];
  const control = error
    ? React.cloneElement(children as React.ReactElement<Record<string, unknown>>, {
        "aria-invalid": true,
        "aria-describedby": [own, errorId].filter(Boolean).join(" "),
      })
    : children;
  return (
    <div className="flex min-w-0 flex-col gap-1">
      <Label htmlFor={id} className="text-xs">
        {label}
      </Label>
      {control}
      <FieldError id={errorId}>{error}</FieldError>
    </div>
  );
}

export function RemoveButton({ label, onClick }: { label: string; onClick: () => void }) {
  return (
    <Button variant="ghost" size="sm" aria-label={label} title={label} onClick={onClick} className="self-end">
      <svg aria-hidden="true" viewBox="0 0 16 16" className="size-4" fill="none" stroke="currentColor" strokeWidth="2">
        <path d="M4 4l8 8M12 4l-8 8" />
      </svg>
    </Button>
  );
}
