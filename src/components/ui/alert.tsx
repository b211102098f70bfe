import { cva, type VariantProps } from "class-variance-authority";
import type * as React from "react";
import { cn } from "~/lib/utils";

const alertVariants = cva("relative w-full rounded-md border px-4 py-3 text-sm", {
  variants: {
    variant: {
      info: "border-info-soft-foreground/30 bg-info-soft text-info-soft-foreground",
      warning: "border-warning-border bg-warning-soft text-warning-soft-foreground",
      destructive: "border-destructive/50 bg-destructive-soft text-destructive-soft-foreground",
      success: "border-success-soft-foreground/30 bg-success-soft text-success-soft-foreground",
    },
  },
  defaultVariants: { variant: "info" },
});

/**
 * A message box. Pass role="alert" for errors and warnings that appear in response to
 * something (screen readers announce them); static notes need no role.
 */
export function Alert({ className, variant, ...props }: React.HTMLAttributes<HTMLDivElement> & VariantProps<typeof alertVariants>) {
  return <div className={cn(alertVariants({ variant }), className)} {...props} />;
}

export function AlertTitle({ className, ...props }: React.HTMLAttributes<HTMLParagraphElement>) {
  return <p className={cn("mb-1 font-semibold leading-tight", className)} {...props} />;
}

export function AlertDescription({ className, ...props }: React.HTMLAttributes<HTMLDivElement>) {
  return <div className={cn("leading-relaxed", className)} {...props} />;
}
