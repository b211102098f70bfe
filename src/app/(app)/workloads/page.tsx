import type { Metadata } from "next";
import { getTranslations } from "next-intl/server";
import { requirePageSession } from "~/app/(app)/page-session";
import { PageHeader } from "~/components/empty-state";
import { WorkloadsList, WorkloadsPageActions } from "~/components/workloads/workloads-list";
import { api, HydrateClient } from "~/trpc/server";

export async function generateMetadata(): Promise<Metadata> {
  const t = await getTranslations("workloads");
  return { title: t("title") };
}

export default async function WorkloadsPage() {
  const me = await requirePageSession();
  const { isAdmin } = me;
  await Promise.all([api.workload.list.prefetch(), api.project.list.prefetch()]);
  const t = await getTranslations("workloads");
  return (
    <HydrateClient>
      <div className="flex flex-wrap items-start justify-between gap-3">
        <PageHeader title={t("title")} description={t("description")} />
        <WorkloadsPageActions isAdmin={isAdmin} />
      </div>
      <WorkloadsList isAdmin={isAdmin} />
    </HydrateClient>
  );
}
