import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { getTranslations } from "next-intl/server";
import { PageHeader } from "~/components/empty-state";
import { Alert } from "~/components/ui/alert";
import { EditWorkload } from "~/components/workloads/edit-workload";
import { api, HydrateClient } from "~/trpc/server";

export async function generateMetadata(): Promise<Metadata> {
  const t = await getTranslations("workloadForm");
  return { title: t("editTitle") };
}

export default async function EditWorkloadPage({ params }: { params: Promise<{ id: string }> }) {
  const me = await api.me.get().catch(() => null);
  if (!me?.user) redirect("/login");
  const { id } = await params;
  const t = await getTranslations("workloadForm");
  if (me.role !== "ADMIN") {
    return (
      <>
        <PageHeader title={t("editTitle")} />
        <Alert variant="info">{t("adminOnly")}</Alert>
      </>
    );
  }
  await Promise.all([api.workload.get.prefetch({ id }), api.project.list.prefetch()]);
  return (
    <HydrateClient>
      <PageHeader title={t("editTitle")} description={t("editDescription")} />
      <EditWorkload id={id} />
    </HydrateClient>
  );
}
