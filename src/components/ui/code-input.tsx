import type * as React from "react";
import { Input } from "~/components/ui/input";
import { cn } from "~/lib/utils";

/**
 * A field for machine text (slugs, names, image references, paths, typed confirmations):
 * monospace, never autocompleted or spell-checked. Its props override those defaults.
 */
export function CodeInput({ className, ...props }: React.ComponentProps<typeof Input>) {
  return <Input autoComplete="off" spellCheck={false} className={cn("font-mono", className)} {...props} />;
}
