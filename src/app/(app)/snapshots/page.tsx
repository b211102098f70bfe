import type { Metadata } from "next";
import { getTranslations } from "next-intl/server";
import { requirePageSession } from "~/app/(app)/page-session";
import { PageHeader } from "~/components/empty-state";
import { AllSnapshots } from "~/components/snapshots/all-snapshots";
import { api, HydrateClient } from "~/trpc/server";

export async function generateMetadata(): Promise<Metadata> {
  const t = await getTranslations("snapshots");
  return { title: t("title") };
}

export default async function SnapshotsPage() {
  const me = await requirePageSession();
  await Promise.all([api.snapshot.list.prefetch({}), api.workload.list.prefetch()]);
  const t = await getTranslations("snapshots");
  return (
    <HydrateClient>
      <PageHeader title={t("title")} description={t("description")} />
      <AllSnapshots isAdmin={me.isAdmin} />
    </HydrateClient>
  );
}
