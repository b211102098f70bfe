/**
 * Validation messages the schemas write themselves, by key: the server sends the key with
 * the zod issue (`zodIssues[].key`), the UI shows `validation.messages.<key>`. The English
 * text lives here once; API clients read it in the issue's message.
 */
export const VALIDATION_MESSAGES = {
  "password-too-short": "Password must be at least 8 characters",
  "label-too-long": "Label must be at most 100 characters",
  "token-name-required": "Token name is required",
  slug: "must be 1–40 characters of a-z, 0-9 and '-', starting and ending with a letter or digit",
} as const;
export type ValidationMessage = keyof typeof VALIDATION_MESSAGES;

const BY_TEXT = new Map<string, ValidationMessage>(
  Object.entries(VALIDATION_MESSAGES).map(([key, text]) => [text, key as ValidationMessage]),
);
/** The key of a schema's own message, or undefined for zod's generic ones. */
export const validationKeyOf = (message: string): ValidationMessage | undefined => BY_TEXT.get(message);

/** zod issue codes the UI translates as `validation.codes.<code>` (params: minimum, maximum, origin, format, expected). */
export const ZOD_ISSUE_CODES = [
  "invalid_type",
  "too_small",
  "too_big",
  "invalid_format",
  "not_multiple_of",
  "unrecognized_keys",
  "invalid_union",
  "invalid_key",
  "invalid_element",
  "invalid_value",
  "custom",
] as const;
export type ZodIssueCode = (typeof ZOD_ISSUE_CODES)[number];

/**
 * One zod issue as the API sends it: `field` is the input's top-level key ("" for the form),
 * `path` the whole path, dotted ("ports.1.hostPort"), as workload-fields.ts names fields.
 */
export interface ValidationIssue {
  field: string;
  path?: string;
  code: string;
  params: Record<string, string | number>;
  key?: ValidationMessage;
}
