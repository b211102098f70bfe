/** A type guard for one list of codes: a value from the wire is checked, never cast. */
export const isOneOf =
  <T extends string>(codes: readonly T[]) =>
  (value: unknown): value is T =>
    typeof value === "string" && (codes as readonly string[]).includes(value);
