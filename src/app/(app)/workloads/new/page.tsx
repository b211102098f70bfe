import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { getTranslations } from "next-intl/server";
import { PageHeader } from "~/components/empty-state";
import { Alert } from "~/components/ui/alert";
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
  const me = await api.me.get().catch(() => null);
  if (!me?.user) redirect("/login");
  const t = await getTranslations("workloadForm");
  if (me.role !== "ADMIN") {
    return (
      <>
        <PageHeader title={t("createTitle")} />
        <Alert variant="info">{t("adminOnly")}</Alert>
      </>
    );
  }
  const query = await searchParams;
  await api.project.list.prefetch();
  return (
    <HydrateClient>
      <PageHeader title={t("createTitle")} description={t("createDescription")} />
      <NewWorkload defaults={{ projectId: first(query.project), stageId: first(query.stage) }} />
    </HydrateClient>
  );
}
