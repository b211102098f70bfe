import type { Metadata } from "next";
import { getTranslations } from "next-intl/server";
import { EmptyState, PageHeader } from "~/components/empty-state";

export async function generateMetadata(): Promise<Metadata> {
  const t = await getTranslations("snapshots");
  return { title: t("title") };
}

export default async function SnapshotsPage() {
  const t = await getTranslations("snapshots");
  return (
    <>
      <PageHeader title={t("title")} description={t("description")} />
      <EmptyState title={t("empty")} />
    </>
  );
}
