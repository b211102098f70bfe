import type { RouterOutputs } from "~/trpc/react";

export type DashboardOverview = RouterOutputs["dashboard"]["overview"];
export type DashboardWorkload = DashboardOverview["workloads"][number];
export type DashboardFailure = DashboardOverview["recentFailures"][number];
export type ContainerStatsView = RouterOutputs["dashboard"]["containerStats"];
