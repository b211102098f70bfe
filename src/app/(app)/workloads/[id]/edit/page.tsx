import type { Metadata } from "next";
import { getTranslations } from "next-intl/server";
import { requirePageSession } from "~/app/(app)/page-session";
import { AdminOnlyPage, PageHeader } from "~/components/empty-state";
import { EditWorkload } from "~/components/workloads/edit-workload";
import { api, HydrateClient } from "~/trpc/server";

export async function generateMetadata(): Promise<Metadata> {
  const t = await getTranslations("workloadForm");
  return { title: t("editTitle") };
}

export default async function EditWorkloadPage({ params }: { params: Promise<{ id: string }> }) {
  const me = await requirePageSession();
  const { id } = await params;
  const t = await getTranslations("workloadForm");
  if (!me.isAdmin) return <AdminOnlyPage title={t("editTitle")} notice={t("adminOnly")} />;
  await Promise.all([api.workload.get.prefetch({ id }), api.project.list.prefetch()]);
  return (
    <HydrateClient>
      <PageHeader title={t("editTitle")} description={t("editDescription")} />
      <EditWorkload id={id} />
    </HydrateClient>
  );
}
