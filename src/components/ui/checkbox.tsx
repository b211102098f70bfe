import type * as React from "react";
import { useId } from "react";
import { cn } from "~/lib/utils";

/**
 * A native checkbox with its label: clicking the text toggles it, and keyboard and
 * screen-reader behaviour come from the browser. A hint goes under it and describes it.
 */
export function Checkbox({
  label,
  hint,
  className,
  labelClassName,
  ...props
}: Omit<React.ComponentProps<"input">, "type"> & { label: React.ReactNode; hint?: React.ReactNode; labelClassName?: string }) {
  const hintId = useId();
  const box = (
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
        aria-describedby={hint ? hintId : undefined}
        {...props}
      />
      <span>{label}</span>
    </label>
  );
  if (!hint) return box;
  return (
    <div className="flex flex-col gap-1.5">
      {box}
      <p id={hintId} className="pl-6 text-xs text-muted-foreground">
        {hint}
      </p>
    </div>
  );
}
