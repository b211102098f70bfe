import { workloadLogs } from "../../../engine/workloads/workloads";
import { engineDeps } from "../../../engine-deps";
import { viewerProcedure } from "../../procedures";
import { workloadLogsInput } from "./schemas";

export const workloadLogsProcedure = viewerProcedure
  .input(workloadLogsInput)
  .query(({ input }) => workloadLogs(engineDeps, input.id, input.tail));
