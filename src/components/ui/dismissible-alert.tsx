import { useTranslations } from "next-intl";
import type * as React from "react";
import { cn } from "~/lib/utils";
import { Alert } from "./alert";
import { Button } from "./button";

/** A notice that stays until the user dismisses it (what just happened to a list, say). */
export function DismissibleAlert({
  onDismiss,
  children,
  className,
  ...props
}: React.ComponentProps<typeof Alert> & { onDismiss: () => void }) {
  const tc = useTranslations("common");
  return (
    <Alert className={cn("flex flex-wrap items-start justify-between gap-2", className)} {...props}>
      <span className="break-words">{children}</span>
      <Button variant="ghost" size="sm" className="-my-1 h-7" onClick={onDismiss}>
        {tc("dismiss")}
      </Button>
    </Alert>
  );
}
