import type { Metadata } from "next";
import { getTranslations } from "next-intl/server";
import { requirePageSession } from "~/app/(app)/page-session";
import { WorkloadDetail } from "~/components/workloads/workload-detail";
import { api, HydrateClient } from "~/trpc/server";

export async function generateMetadata({ params }: { params: Promise<{ id: string }> }): Promise<Metadata> {
  const t = await getTranslations("workloadDetail");
  const workload = await api.workload.get({ id: (await params).id }).catch(() => null);
  return { title: workload ? workload.name : t("notFound") };
}

export default async function WorkloadPage({ params }: { params: Promise<{ id: string }> }) {
  const me = await requirePageSession();
  const { id } = await params;
  // A missing workload is not dehydrated; the client shows "not found" from its own fetch.
  await Promise.all([
    api.workload.get.prefetch({ id }),
    api.snapshot.snapshotable.prefetch({ workloadId: id }),
    api.snapshot.list.prefetch({ workloadId: id }),
    api.snapshot.restoreRuns.prefetch({ workloadId: id }),
    api.schedule.list.prefetch({ workloadId: id }),
    api.retention.get.prefetch({ workloadId: id }),
    api.snapshot.copies.prefetch({ workloadId: id }),
    api.snapshot.testRestores.prefetch({ workloadId: id }),
    // Admin-only: a viewer's page never asks for them.
    me.isAdmin ? api.storageTarget.list.prefetch() : null,
    me.isAdmin ? api.storageTarget.copyPolicy.prefetch({ workloadId: id }) : null,
  ]);
  return (
    <HydrateClient>
      <WorkloadDetail id={id} isAdmin={me.isAdmin} />
    </HydrateClient>
  );
}
