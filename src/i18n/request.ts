import { cookies, headers } from "next/headers";
import { getRequestConfig } from "next-intl/server";
import { authenticateRequest } from "~/server/auth/request-actor";
import { engineDeps } from "~/server/engine-deps";
import { LOCALE_COOKIE, resolveLocale } from "./locales";

// No locale in the URL: the cookie set by the language switch wins, then the signed-in
// user's saved language, then English.
export default getRequestConfig(async () => {
  let locale = resolveLocale((await cookies()).get(LOCALE_COOKIE)?.value);
  if (!locale) {
    const auth = await authenticateRequest(engineDeps, new Headers(await headers()));
    if (auth.actor?.kind === "user") {
      const user = await engineDeps.db.user.findUnique({ where: { id: auth.actor.userId }, select: { locale: true } });
      locale = resolveLocale(user?.locale);
    }
  }
  locale ??= "en";
  return { locale, messages: (await import(`../../messages/${locale}.json`)).default };
});
