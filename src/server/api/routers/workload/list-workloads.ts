import { listWorkloads } from "~/server/engine/workloads/workloads";
import { viewerProcedure } from "~/server/api/procedures";

export const listWorkloadsProcedure = viewerProcedure.query(({ ctx }) => listWorkloads(ctx.deps, ctx.actor));
