import type * as React from "react";
import { cn } from "~/lib/utils";

/**
 * A native checkbox with its label: clicking the text toggles it, and keyboard and
 * screen-reader behaviour come from the browser.
 */
export function Checkbox({
  label,
  className,
  labelClassName,
  ...props
}: Omit<React.ComponentProps<"input">, "type"> & { label: React.ReactNode; labelClassName?: string }) {
  return (
    <label
      className={cn(
        "inline-flex cursor-pointer items-center gap-2 text-sm text-foreground has-disabled:cursor-not-allowed has-disabled:opacity-60",
        labelClassName,
      )}
    >
      <input
        type="checkbox"
        className={cn(
          "size-4 shrink-0 cursor-pointer rounded border-input accent-primary",
          "focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-ring disabled:cursor-not-allowed",
          className,
        )}
        {...props}
      />
      <span>{label}</span>
    </label>
  );
}
