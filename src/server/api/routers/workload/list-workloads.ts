import { listWorkloads } from "../../../engine/workloads/workloads";
import { engineDeps } from "../../../engine-deps";
import { viewerProcedure } from "../../procedures";

export const listWorkloadsProcedure = viewerProcedure.query(({ ctx }) => listWorkloads(engineDeps, ctx.actor));
