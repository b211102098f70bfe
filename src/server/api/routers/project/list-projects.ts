import { listProjects } from "../../../engine/workloads/projects";
import { viewerProcedure } from "../../procedures";

export const listProjectsProcedure = viewerProcedure.query(({ ctx }) => listProjects(ctx.db));
