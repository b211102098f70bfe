import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { getTranslations } from "next-intl/server";
import { ProjectsManager } from "~/components/workloads/projects-manager";
import { api, HydrateClient } from "~/trpc/server";

export async function generateMetadata(): Promise<Metadata> {
  const t = await getTranslations("projects");
  return { title: t("title") };
}

export default async function ProjectsPage() {
  const me = await api.me.get().catch(() => null);
  if (!me?.user) redirect("/login");
  await api.project.list.prefetch();
  return (
    <HydrateClient>
      <ProjectsManager isAdmin={me.role === "ADMIN"} />
    </HydrateClient>
  );
}
