import { router } from "~/server/api/procedures";
import { createWorkloadProcedure } from "./create-workload";
import { deleteWorkloadProcedure } from "./delete-workload";
import { deployWorkloadProcedure } from "./deploy-workload";
import { getWorkloadProcedure } from "./get-workload";
import { listWorkloadsProcedure } from "./list-workloads";
import { startWorkloadProcedure } from "./start-workload";
import { stopWorkloadProcedure } from "./stop-workload";
import { updateWorkloadProcedure } from "./update-workload";
import { workloadEventsProcedure } from "./workload-events";
import { workloadLogsProcedure } from "./workload-logs";
import { workloadStatsProcedure } from "./workload-stats";

export const workloadRouter = router({
  list: listWorkloadsProcedure,
  get: getWorkloadProcedure,
  create: createWorkloadProcedure,
  update: updateWorkloadProcedure,
  delete: deleteWorkloadProcedure,
  deploy: deployWorkloadProcedure,
  stop: stopWorkloadProcedure,
  start: startWorkloadProcedure,
  events: workloadEventsProcedure,
  logs: workloadLogsProcedure,
  stats: workloadStatsProcedure,
});
