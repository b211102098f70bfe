export const LOCALES = ["en", "ru"] as const;
export type Locale = (typeof LOCALES)[number];
export const LOCALE_COOKIE = "berth-locale";

export const resolveLocale = (value: string | undefined | null): Locale | undefined =>
  LOCALES.find((l) => l === value);
