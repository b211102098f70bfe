import { dockerEngine } from "../../../docker/instance";
import { checkHealth } from "../../../engine/health";
import { BERTH_VERSION } from "../../../version";
import { viewerProcedure } from "../../procedures";

export const getStatusProcedure = viewerProcedure.query(({ ctx }) =>
  checkHealth(ctx.db, () => dockerEngine.probe(), BERTH_VERSION),
);
