import type { Metadata } from "next";
import Link from "next/link";
import { getTranslations } from "next-intl/server";
import { requirePageSession } from "~/app/(app)/page-session";
import { PageHeader } from "~/components/empty-state";
import { AccountSection } from "~/components/settings/account-section";
import { AlertTargetsSection } from "~/components/settings/alert-targets-section";
import { TokensSection } from "~/components/settings/tokens-section";
import { UsersSection } from "~/components/settings/users-section";
import { StorageTargetsSection } from "~/components/storage-targets/storage-targets-section";
import { Alert } from "~/components/ui/alert";
import { cn } from "~/lib/utils";
import { api, HydrateClient } from "~/trpc/server";

export async function generateMetadata(): Promise<Metadata> {
  const t = await getTranslations("settings");
  return { title: t("title") };
}

const ADMIN_TABS = ["users", "tokens", "alerts", "storage", "account"] as const;
type Tab = (typeof ADMIN_TABS)[number];

export default async function SettingsPage({ searchParams }: { searchParams: Promise<{ tab?: string | string[] }> }) {
  const me = await requirePageSession();
  const { isAdmin } = me;
  const tabs: readonly Tab[] = isAdmin ? ADMIN_TABS : ["account"];
  const requested = (await searchParams).tab;
  const tab: Tab = tabs.find((x) => x === requested) ?? tabs[0]!;

  if (tab === "users") await api.user.list.prefetch();
  if (tab === "tokens") await api.token.list.prefetch();
  if (tab === "alerts") await api.alertTarget.list.prefetch();
  if (tab === "storage") await api.storageTarget.list.prefetch();

  const t = await getTranslations("settings");
  const tabLabels: Record<Tab, string> = {
    users: t("tabs.users"),
    tokens: t("tabs.tokens"),
    alerts: t("tabs.alerts"),
    storage: t("tabs.storage"),
    account: t("tabs.account"),
  };
  return (
    <HydrateClient>
      <PageHeader title={t("title")} />
      {!isAdmin ? (
        <Alert variant="info" className="mb-6">
          {t("adminOnlyNote")}
        </Alert>
      ) : null}
      {tabs.length > 1 ? (
        <nav aria-label={t("sectionsLabel")} className="mb-6 border-b border-border">
          <ul className="-mb-px flex flex-wrap gap-1">
            {tabs.map((x) => (
              <li key={x}>
                <Link
                  href={`/settings?tab=${x}`}
                  aria-current={x === tab ? "page" : undefined}
                  className={cn(
                    "inline-block border-b-2 px-3 py-2 text-sm font-medium focus-visible:outline-2 focus-visible:outline-ring",
                    x === tab
                      ? "border-primary text-foreground"
                      : "border-transparent text-muted-foreground hover:border-border hover:text-foreground",
                  )}
                >
                  {tabLabels[x]}
                </Link>
              </li>
            ))}
          </ul>
        </nav>
      ) : null}
      {tab === "users" ? <UsersSection currentUserId={me.user.id} /> : null}
      {tab === "tokens" ? <TokensSection /> : null}
      {tab === "alerts" ? <AlertTargetsSection /> : null}
      {tab === "storage" ? <StorageTargetsSection /> : null}
      {tab === "account" ? <AccountSection email={me.user.email} name={me.user.name} role={me.role} /> : null}
    </HydrateClient>
  );
}
