import { z } from "zod";
import { listStages } from "../../../engine/workloads/projects";
import { viewerProcedure } from "../../procedures";
import { idSchema } from "../schemas";

export const listStagesInput = z.object({ projectId: idSchema });

export const listStagesProcedure = viewerProcedure.input(listStagesInput).query(({ ctx, input }) => listStages(ctx.db, input.projectId));
