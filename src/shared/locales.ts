/** The UI languages; User.locale holds one of them. */
export const LOCALES = ["en", "ru"] as const;
export type Locale = (typeof LOCALES)[number];
