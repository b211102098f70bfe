import { TRPCError } from "@trpc/server";
import { DomainError } from "~/server/engine/errors";
import { logger } from "~/server/logger";
import { t } from "../init";

/**
 * The one place engine errors become tRPC errors. DomainError messages are written for
 * users; anything else is logged with its detail and replaced by a generic message.
 */
export const mapErrors = t.middleware(async ({ ctx, path, type, next }) => {
  const result = await next();
  if (result.ok) return result;
  const { error } = result;
  if (error.cause instanceof DomainError) {
    // The user gets the domain message; the underlying error (paths, errno) only the log.
    if (error.cause.cause) logger.warn({ err: error.cause.cause, path, requestId: ctx.requestId }, error.cause.message);
    throw new TRPCError({ code: error.cause.code, message: error.cause.message, cause: error.cause });
  }
  if (error.code === "INTERNAL_SERVER_ERROR") {
    logger.error({ err: error.cause ?? error, path, type, requestId: ctx.requestId }, "tRPC procedure failed");
    throw new TRPCError({
      code: "INTERNAL_SERVER_ERROR",
      message: `Internal error (request ${ctx.requestId}); details are in the server log`,
    });
  }
  return result;
});
