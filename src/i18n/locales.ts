import { LOCALES, type Locale } from "~/shared/locales";

export { LOCALES, type Locale };
export const LOCALE_COOKIE = "berth-locale";

export const resolveLocale = (value: string | undefined | null): Locale | undefined => LOCALES.find((l) => l === value);
