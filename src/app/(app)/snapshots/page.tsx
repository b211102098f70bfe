import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { getTranslations } from "next-intl/server";
import { PageHeader } from "~/components/empty-state";
import { AllSnapshots } from "~/components/snapshots/all-snapshots";
import { api, HydrateClient } from "~/trpc/server";

export async function generateMetadata(): Promise<Metadata> {
  const t = await getTranslations("snapshots");
  return { title: t("title") };
}

export default async function SnapshotsPage() {
  const me = await api.me.get().catch(() => null);
  if (!me?.user) redirect("/login");
  await Promise.all([api.snapshot.list.prefetch({}), api.workload.list.prefetch()]);
  const t = await getTranslations("snapshots");
  return (
    <HydrateClient>
      <PageHeader title={t("title")} description={t("description")} />
      <AllSnapshots isAdmin={me.role === "ADMIN"} />
    </HydrateClient>
  );
}
