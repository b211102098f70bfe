import type { Metadata } from "next";
import { getTranslations } from "next-intl/server";
import { requirePageSession } from "~/app/(app)/page-session";
import { ProjectsManager } from "~/components/workloads/projects-manager";
import { api, HydrateClient } from "~/trpc/server";

export async function generateMetadata(): Promise<Metadata> {
  const t = await getTranslations("projects");
  return { title: t("title") };
}

export default async function ProjectsPage() {
  const me = await requirePageSession();
  await api.project.list.prefetch();
  return (
    <HydrateClient>
      <ProjectsManager isAdmin={me.isAdmin} />
    </HydrateClient>
  );
}
