import type { Metadata } from "next";
import { getTranslations } from "next-intl/server";
import { requirePageSession } from "~/app/(app)/page-session";
import { AdminOnlyPage, PageHeader } from "~/components/empty-state";
import { NewWorkload } from "~/components/workloads/edit-workload";
import { api, HydrateClient } from "~/trpc/server";

export async function generateMetadata(): Promise<Metadata> {
  const t = await getTranslations("workloadForm");
  return { title: t("createTitle") };
}

const first = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);

export default async function NewWorkloadPage({
  searchParams,
}: {
  searchParams: Promise<{ project?: string | string[]; stage?: string | string[] }>;
}) {
  const me = await requirePageSession();
  const t = await getTranslations("workloadForm");
  if (!me.isAdmin) return <AdminOnlyPage title={t("createTitle")} notice={t("adminOnly")} />;
  const query = await searchParams;
  await api.project.list.prefetch();
  return (
    <HydrateClient>
      <PageHeader title={t("createTitle")} description={t("createDescription")} />
      <NewWorkload defaults={{ projectId: first(query.project), stageId: first(query.stage) }} />
    </HydrateClient>
  );
}
