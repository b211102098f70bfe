"use client";

import { useRouter } from "next/navigation";
import { useLocale, useTranslations } from "next-intl";
import { useState, useTransition } from "react";
import { LOCALE_COOKIE } from "~/i18n/locales";
import { LOCALES, type Locale } from "~/shared/locales";
import { cn } from "~/lib/utils";
import { api } from "~/trpc/react";

const ONE_YEAR_SECONDS = 365 * 24 * 60 * 60;

/**
 * EN/RU switch. The cookie is what the server reads first; signed-in users also get the
 * choice saved to their account so it follows them to other browsers.
 */
export function LanguageSwitch({ signedIn, className }: { signedIn: boolean; className?: string }) {
  const t = useTranslations("common");
  const current = useLocale();
  const router = useRouter();
  const [refreshing, startRefresh] = useTransition();
  const [error, setError] = useState<string | null>(null);
  const setLocale = api.me.setLocale.useMutation();
  const busy = refreshing || setLocale.isPending;

  async function choose(locale: Locale) {
    if (locale === current || busy) return;
    setError(null);
    // biome-ignore lint/suspicious/noDocumentCookie: the server reads this cookie on the next request; the Cookie Store API is not in every browser
    document.cookie = `${LOCALE_COOKIE}=${locale}; path=/; max-age=${ONE_YEAR_SECONDS}; samesite=lax`;
    if (signedIn) {
      try {
        await setLocale.mutateAsync({ locale });
      } catch (e) {
        // The cookie already switched this browser; only the saved preference failed.
        setError(e instanceof Error ? e.message : String(e));
      }
    }
    startRefresh(() => router.refresh());
  }

  return (
    <div className={cn("flex flex-col items-end gap-1", className)}>
      <div
        role="group"
        aria-label={t("language")}
        aria-busy={busy || undefined}
        className="inline-flex rounded-md border border-border p-0.5"
      >
        {LOCALES.map((locale) => (
          <button
            key={locale}
            type="button"
            lang={locale}
            aria-pressed={locale === current}
            aria-label={t(`languages.${locale}`)}
            title={t(`languages.${locale}`)}
            disabled={busy}
            onClick={() => void choose(locale)}
            className={cn(
              "cursor-pointer rounded px-2 py-1 text-xs font-semibold uppercase transition-colors focus-visible:outline-2 focus-visible:outline-ring disabled:cursor-wait",
              locale === current
                ? "bg-primary text-primary-foreground"
                : "text-muted-foreground hover:bg-accent hover:text-accent-foreground",
            )}
          >
            {t(`languageCodes.${locale}`)}
          </button>
        ))}
      </div>
      {error ? (
        <p role="alert" className="text-xs text-destructive-soft-foreground">
          {t("languageSaveFailed", { message: error })}
        </p>
      ) : null}
    </div>
  );
}
