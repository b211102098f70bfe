import { listProjects } from "~/server/engine/workloads/projects";
import { viewerProcedure } from "~/server/api/procedures";

export const listProjectsProcedure = viewerProcedure.query(({ ctx }) => listProjects(ctx.deps, ctx.actor));
