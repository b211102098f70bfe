import type * as React from "react";
import { useId } from "react";

/**
 * One of a few values as native radio buttons in a fieldset (the legend names the group; arrow
 * keys and screen-reader behaviour come from the browser). `onValueChange` gets the value, typed.
 */
export function RadioChoice<V extends string>({
  legend,
  value,
  values,
  label,
  onValueChange,
  hint,
  disabled,
}: {
  legend: string;
  value: V;
  values: readonly V[];
  label: (value: V) => string;
  onValueChange: (value: V) => void;
  hint?: React.ReactNode;
  disabled?: boolean;
}) {
  const name = useId();
  const hintId = `${name}-hint`;
  return (
    <fieldset className="flex flex-col gap-2" aria-describedby={hint ? hintId : undefined} disabled={disabled}>
      <legend className="mb-1 text-sm font-medium">{legend}</legend>
      <div className="flex flex-wrap gap-x-6 gap-y-2">
        {values.map((v) => (
          <label key={v} className="inline-flex cursor-pointer items-center gap-2 text-sm text-foreground has-disabled:cursor-not-allowed">
            <input
              type="radio"
              name={name}
              value={v}
              checked={value === v}
              onChange={() => onValueChange(v)}
              className="size-4 shrink-0 cursor-pointer accent-primary focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-ring"
            />
            <span>{label(v)}</span>
          </label>
        ))}
      </div>
      {hint ? (
        <p id={hintId} className="text-xs text-muted-foreground">
          {hint}
        </p>
      ) : null}
    </fieldset>
  );
}
