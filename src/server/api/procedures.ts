import { t } from "./init";
import { mapErrors } from "./middleware/map-errors";
import { requireRole } from "./middleware/require-role";

export const router = t.router;
export const createCallerFactory = t.createCallerFactory;

export const publicProcedure = t.procedure.use(mapErrors);
export const viewerProcedure = publicProcedure.use(requireRole("VIEWER"));
export const adminProcedure = publicProcedure.use(requireRole("ADMIN"));
