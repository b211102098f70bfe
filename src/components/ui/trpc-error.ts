import { isOneOf } from "~/shared/codes";
import { isErrorReason, type ErrorParams } from "~/shared/error-reasons";
import { ZOD_ISSUE_CODES, type ValidationIssue } from "~/shared/validation";
import { type FieldIssue, fieldIssueEnglish } from "~/shared/workload-fields";

/**
 * The parts of a tRPC client error the UI shows: the message and the per-field errors, by the
 * input's top-level key ("name") and, for a field inside a list, also by its dotted path
 * ("ports.1.hostPort", as zod and src/shared/workload-fields.ts name it).
 */
export interface ShownError {
  message: string;
  fieldErrors: Record<string, string[] | undefined>;
}

interface ErrorLike {
  message: string;
  data?: {
    zodError?: { formErrors?: string[]; fieldErrors?: Record<string, string[] | undefined> } | null;
    zodIssues?: ValidationIssue[] | null;
    reason?: string | null;
    params?: ErrorParams | null;
    fieldIssues?: FieldIssue[] | null;
  } | null;
}

/** The root translator (next-intl's `useTranslations()`): `t(key, values)` and `t.has(key)`. */
export interface Translator {
  (key: string, values?: ErrorParams): string;
  has(key: string): boolean;
}

/**
 * A server reason in the UI's language, or `fallback` (the server's English) for a code this
 * UI does not know. A `cause` param is itself a reason, translated first with the same params.
 */
export function reasonText(t: Translator, reason: string | null | undefined, params: ErrorParams | null | undefined, fallback: string) {
  if (!isErrorReason(reason) || !t.has(`errors.${reason}`)) return fallback;
  const values = { ...params };
  if ("cause" in values) {
    const cause = values.cause;
    if (!isErrorReason(cause) || !t.has(`errors.${cause}`)) return fallback;
    values.cause = t(`errors.${cause}`, values);
  }
  return t(`errors.${reason}`, values);
}

/** An operation event's failure (errorReason/errorParams beside its English `error`) in the UI's language. */
export const operationErrorText = (t: Translator, event: { error?: string; errorReason?: string; errorParams?: ErrorParams }) =>
  reasonText(t, event.errorReason, event.errorParams, event.error ?? "");

// Defaults for the arguments of `validation.codes.*`, so an issue without one still formats.
const ISSUE_DEFAULTS: ErrorParams = { minimum: 0, maximum: 0, origin: "other", format: "other" };

/** One zod issue in the UI's language: the schema's own message by key, else zod's code. */
export function issueText(t: Translator, issue: ValidationIssue, fallback: string): string {
  if (issue.key && t.has(`validation.messages.${issue.key}`)) return t(`validation.messages.${issue.key}`);
  if (!isOneOf(ZOD_ISSUE_CODES)(issue.code)) return fallback;
  return t(`validation.codes.${issue.code}`, { ...ISSUE_DEFAULTS, ...issue.params });
}

/**
 * The translator describeError uses, set by <ErrorTranslator /> once the page runs in the
 * browser (never on the server, where requests of different languages share this module).
 */
let active: Translator | null = null;
export const setErrorTranslator = (t: Translator | null) => {
  active = t;
};

/** Field issues (the server's invalid-fields, or the form's own check) shown under their fields. */
export function fieldIssuesShown(t: Translator | null, issues: readonly FieldIssue[]): ShownError {
  const fieldErrors: Record<string, string[]> = {};
  for (const issue of issues) {
    const english = fieldIssueEnglish(issue);
    (fieldErrors[issue.path] ??= []).push(t ? reasonText(t, issue.reason, issue.params, english) : english);
  }
  const count = issues.length;
  const message = t?.has("errors.invalid-fields") ? t("errors.invalid-fields", { count }) : `${count} field(s) need attention`;
  return { message, fieldErrors };
}

export function describeError(error: ErrorLike | null | undefined, t: Translator | null = active): ShownError | null {
  if (!error) return null;
  const data = error.data;
  if (data?.fieldIssues?.length) return fieldIssuesShown(t, data.fieldIssues);
  const zod = data?.zodError;
  if (zod) {
    // A zod failure's own message is a JSON dump of the issues; show the readable parts.
    const issues = data?.zodIssues;
    if (t && issues) {
      const fieldErrors: Record<string, string[]> = {};
      const formErrors: string[] = [];
      for (const issue of issues) {
        // zod's flattening keeps the issues' order per field: the nth issue of a field is its nth message.
        const shown = issue.field ? (fieldErrors[issue.field] ??= []) : formErrors;
        const english = (issue.field ? zod.fieldErrors?.[issue.field] : zod.formErrors)?.[shown.length] ?? "";
        const text = issueText(t, issue, english);
        shown.push(text);
        if (issue.path && issue.path !== issue.field) (fieldErrors[issue.path] ??= []).push(text);
      }
      return { message: formErrors.filter(Boolean).join(" "), fieldErrors };
    }
    const formMessage = zod.formErrors?.filter(Boolean).join(" ") ?? "";
    return { message: formMessage, fieldErrors: zod.fieldErrors ?? {} };
  }
  return { message: t ? reasonText(t, data?.reason, data?.params, error.message) : error.message, fieldErrors: {} };
}

export const firstFieldError = (shown: ShownError | null, field: string) => shown?.fieldErrors[field]?.[0];
