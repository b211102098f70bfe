import { getTranslations } from "next-intl/server";
import { requirePageSession } from "~/app/(app)/page-session";
import { LanguageSwitch } from "~/components/language-switch";
import { DockerBanner } from "~/components/shell/docker-banner";
import { MainNav } from "~/components/shell/main-nav";
import { SignOutButton } from "~/components/shell/sign-out-button";
import { Badge } from "~/components/ui/badge";
import { api, HydrateClient } from "~/trpc/server";

export default async function AppLayout({ children }: { children: React.ReactNode }) {
  const me = await requirePageSession();

  await api.system.status.prefetch();
  const t = await getTranslations("shell");
  const tc = await getTranslations("common");

  return (
    <HydrateClient>
      <div className="flex min-h-screen flex-col">
        <a
          href="#main"
          className="sr-only focus:not-sr-only focus:absolute focus:top-2 focus:left-2 focus:z-50 focus:rounded-md focus:bg-card focus:px-3 focus:py-2 focus:text-card-foreground focus:shadow"
        >
          {t("skipToContent")}
        </a>
        <header className="border-b border-border bg-card text-card-foreground">
          {/* Narrow: the name with the language and Log out on one line, the links under it, then who is signed in. */}
          <div className="mx-auto flex max-w-6xl flex-wrap items-center gap-x-3 gap-y-2 px-4 py-3 md:gap-x-6 md:gap-y-3">
            <span className="text-lg font-bold tracking-tight">{tc("appName")}</span>
            <div className="order-2 w-full md:order-none md:w-auto">
              <MainNav />
            </div>
            <p className="order-3 flex w-full min-w-0 items-center gap-2 text-sm md:order-none md:ml-auto md:w-auto">
              <span className="sr-only">{t("signedInAs")}</span>
              <span className="min-w-0 truncate md:max-w-[16rem]" title={me.user.email}>
                {me.user.email}
              </span>
              <Badge variant={me.role === "ADMIN" ? "default" : "secondary"} className="shrink-0">
                {tc(`roles.${me.role}`)}
              </Badge>
            </p>
            <div className="order-1 ml-auto flex flex-wrap items-center justify-end gap-3 md:order-none md:ml-0">
              <LanguageSwitch signedIn />
              <SignOutButton />
            </div>
          </div>
        </header>
        <DockerBanner />
        <main id="main" className="mx-auto w-full max-w-6xl flex-1 px-4 py-6">
          {children}
        </main>
      </div>
    </HydrateClient>
  );
}
