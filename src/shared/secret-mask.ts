/** What a secret environment value reads as outside the server; saved back unchanged, it keeps the stored value. */
export const SECRET_MASK = "••••••";
