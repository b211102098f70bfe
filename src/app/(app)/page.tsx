import type { Metadata } from "next";
import { getTranslations } from "next-intl/server";
import { requirePageSession } from "~/app/(app)/page-session";
import { Dashboard } from "~/components/dashboard/dashboard";
import { PageHeader } from "~/components/empty-state";
import { api, HydrateClient } from "~/trpc/server";

export async function generateMetadata(): Promise<Metadata> {
  const t = await getTranslations("dashboard");
  return { title: t("title") };
}

/** The home page: whether every workload's data is safe right now. */
export default async function DashboardPage() {
  const me = await requirePageSession();
  await api.dashboard.overview.prefetch();
  const t = await getTranslations("dashboard");
  return (
    <HydrateClient>
      <PageHeader title={t("title")} description={t("description")} />
      <Dashboard isAdmin={me.isAdmin} />
    </HydrateClient>
  );
}
