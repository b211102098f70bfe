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
          <div className="mx-auto flex max-w-6xl flex-wrap items-center gap-x-6 gap-y-3 px-4 py-3">
            <span className="text-lg font-bold tracking-tight">{tc("appName")}</span>
            <MainNav />
            <div className="ml-auto flex flex-wrap items-center gap-3">
              <p className="flex items-center gap-2 text-sm">
                <span className="sr-only">{t("signedInAs")}</span>
                <span className="max-w-[16rem] truncate" title={me.user.email}>
                  {me.user.email}
                </span>
                <Badge variant={me.role === "ADMIN" ? "default" : "secondary"}>{tc(`roles.${me.role}`)}</Badge>
              </p>
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
