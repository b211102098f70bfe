/** The parts of a tRPC client error the UI shows: the message and zod's per-field errors. */
export interface ShownError {
  message: string;
  fieldErrors: Record<string, string[] | undefined>;
}

interface ErrorLike {
  message: string;
  data?: { zodError?: { formErrors?: string[]; fieldErrors?: Record<string, string[] | undefined> } | null } | null;
}

export function describeError(error: ErrorLike | null | undefined): ShownError | null {
  if (!error) return null;
  const zod = error.data?.zodError;
  if (zod) {
    // A zod failure's own message is a JSON dump of the issues; show the readable parts.
    const formMessage = zod.formErrors?.filter(Boolean).join(" ") ?? "";
    return { message: formMessage, fieldErrors: zod.fieldErrors ?? {} };
  }
  return { message: error.message, fieldErrors: {} };
}

export const firstFieldError = (shown: ShownError | null, field: string) => shown?.fieldErrors[field]?.[0];
