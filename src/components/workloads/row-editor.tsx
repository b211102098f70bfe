"use client";

import * as React from "react";
import { Button } from "~/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "~/components/ui/card";
import { FieldError, Label } from "~/components/ui/label";
import type { RowList } from "./use-workload-form";

/**
 * A card of editable rows (environment variables, ports, volumes): its title, description and
 * Add button, the rows (each drawn by `children`), a note under them, and the server's error
 * for the whole list.
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
  return (
    <Card>
      <CardHeader className="flex-row flex-wrap items-start justify-between gap-3">
        <div className="flex flex-col gap-1.5">
          <CardTitle>{texts.title}</CardTitle>
          <CardDescription>{texts.description}</CardDescription>
        </div>
        <Button variant="outline" size="sm" onClick={list.add}>
          {texts.add}
        </Button>
      </CardHeader>
      <CardContent className={className}>
        {list.rows.length === 0 ? <p className="text-sm text-muted-foreground">{texts.empty}</p> : null}
        {list.rows.map((row, i) => (
          <React.Fragment key={row.uid}>{children(row, i)}</React.Fragment>
        ))}
        {note}
        <FieldError>{error}</FieldError>
      </CardContent>
    </Card>
  );
}

/** One labelled control of a row. */
export function RowField({ id, label, children }: { id: string; label: React.ReactNode; children: React.ReactNode }) {
  return (
    <div className="flex flex-col gap-1">
      <Label htmlFor={id} className="text-xs">
        {label}
      </Label>
      {children}
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
