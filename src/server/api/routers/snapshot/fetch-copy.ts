import { adminProcedure } from "~/server/api/procedures";
import { fetchCopy } from "~/server/engine/storage/fetch-copy";
import { fetchCopyInput } from "./schemas";

export const fetchCopyProcedure = adminProcedure.input(fetchCopyInput).mutation(({ ctx, input }) => fetchCopy(ctx.deps, ctx.actor, input));
