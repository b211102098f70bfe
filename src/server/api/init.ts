import { initTRPC } from "@trpc/server";
import superjson from "superjson";
import { ZodError, z } from "zod";
import { validationKeyOf, type ValidationIssue } from "~/shared/validation";
import { DomainError } from "../engine/errors";
import type { TRPCContext } from "./context";

/** The params of an issue the UI's messages use; never the input's value itself. */
const ISSUE_PARAMS = ["minimum", "maximum", "origin", "format", "expected", "divisor"] as const;

/** zod issues as codes with params, for the UI to translate field by field. */
function validationIssues(error: ZodError): ValidationIssue[] {
  return error.issues.map((issue) => {
    const facts = issue as unknown as Record<string, unknown>;
    const params: ValidationIssue["params"] = {};
    for (const name of ISSUE_PARAMS) {
      const value = facts[name];
      if (typeof value === "string" || typeof value === "number") params[name] = value;
      else if (typeof value === "bigint") params[name] = Number(value);
    }
    return {
      field: issue.path.length > 0 ? String(issue.path[0]) : "",
      path: issue.path.map(String).join("."),
      code: issue.code,
      params,
      key: validationKeyOf(issue.message),
    };
  });
}

export const t = initTRPC.context<TRPCContext>().create({
  transformer: superjson,
  // Never send stacks to clients; zod issues are flattened so forms can show them per field,
  // and sent as codes (zodIssues) beside a DomainError's reason and params, for translation.
  // Several fields refused at once travel as fieldIssues; reason and params are then the first
  // issue's, so a client that knows nothing of fields still shows a sensible message.
  errorFormatter({ shape, error }) {
    const { stack: _stack, ...data } = shape.data;
    const zod = error.cause instanceof ZodError ? error.cause : null;
    const domain = error.cause instanceof DomainError ? error.cause : null;
    const fieldIssues = domain?.fieldIssues?.length ? domain.fieldIssues : null;
    const first = fieldIssues?.[0];
    return {
      ...shape,
      data: {
        ...data,
        zodError: zod ? z.flattenError(zod) : null,
        zodIssues: zod ? validationIssues(zod) : null,
        reason: first?.reason ?? domain?.reason ?? null,
        params: first?.params ?? domain?.params ?? null,
        fieldIssues,
      },
    };
  },
});
