import type * as React from "react";
import { cn } from "~/lib/utils";

export function Label({ className, ...props }: React.LabelHTMLAttributes<HTMLLabelElement>) {
  // biome-ignore lint/a11y/noLabelWithoutControl: every caller passes htmlFor (FormField, RowField, the restore confirmation).
  return <label className={cn("text-sm font-medium leading-none text-foreground", className)} {...props} />;
}

/** A field's error text; give its id to the control's aria-describedby. */
export function FieldError({ id, children }: { id?: string; children?: React.ReactNode }) {
  if (!children) return null;
  return (
    <p id={id} className="text-sm text-destructive-soft-foreground">
      {children}
    </p>
  );
}
