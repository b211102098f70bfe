import type * as React from "react";
import { cn } from "~/lib/utils";

/** A styled native <select>: keyboard and screen-reader support come from the browser. */
export function Select({ className, children, ...props }: React.ComponentProps<"select">) {
  return (
    <select
      className={cn(
        "h-9 rounded-md border border-input bg-background px-2 py-1 text-sm text-foreground",
        "focus-visible:outline-2 focus-visible:outline-offset-1 focus-visible:outline-ring disabled:cursor-not-allowed disabled:opacity-60",
        className,
      )}
      {...props}
    >
      {children}
    </select>
  );
}

/**
 * A select over a fixed list of values (roles, policies, scopes), each shown by `label`:
 * `onValueChange` gets the value, typed, instead of the event.
 */
export function ChoiceSelect<V extends string>({
  values,
  label,
  onValueChange,
  ...props
}: Omit<React.ComponentProps<"select">, "value" | "onChange" | "children"> & {
  value: V;
  values: readonly V[];
  label: (value: V) => string;
  onValueChange: (value: V) => void;
}) {
  return (
    <Select {...props} onChange={(e) => onValueChange(e.target.value as V)}>
      {values.map((value) => (
        <option key={value} value={value}>
          {label(value)}
        </option>
      ))}
    </Select>
  );
}
