import { Alert } from "~/components/ui/alert";
import { cn } from "~/lib/utils";

export function EmptyState({ title, description, className }: { title: string; description?: string; className?: string }) {
  return (
    <div className={cn("rounded-lg border border-dashed border-border px-6 py-12 text-center", className)}>
      <p className="font-medium">{title}</p>
      {description ? <p className="mt-1 text-sm text-muted-foreground">{description}</p> : null}
    </div>
  );
}

export function PageHeader({ title, description }: { title: string; description?: string }) {
  return (
    <div className="mb-6">
      <h1 className="text-2xl font-bold tracking-tight">{title}</h1>
      {description ? <p className="mt-1 text-sm text-muted-foreground">{description}</p> : null}
    </div>
  );
}

/** An admin-only page as a viewer sees it: its title and why there is nothing under it. */
export function AdminOnlyPage({ title, notice }: { title: string; notice: string }) {
  return (
    <>
      <PageHeader title={title} />
      <Alert variant="info">{notice}</Alert>
    </>
  );
}
