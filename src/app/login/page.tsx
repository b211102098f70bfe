import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { getTranslations } from "next-intl/server";
import { LanguageSwitch } from "~/components/language-switch";
import { LoginForm } from "~/components/login-form";
import { api } from "~/trpc/server";
import { safeNextPath } from "~/shared/next-path";

export async function generateMetadata(): Promise<Metadata> {
  const t = await getTranslations("login");
  return { title: t("title") };
}

export default async function LoginPage({ searchParams }: { searchParams: Promise<{ next?: string | string[] }> }) {
  // Where to go after signing in: the page a signed-out visit asked for, if it is one of ours.
  const { next: asked } = await searchParams;
  const next = safeNextPath(Array.isArray(asked) ? asked[0] : asked) ?? "/";
  // Already signed in (and the account still exists): nothing to do here.
  const me = await api.me.get().catch(() => null);
  if (me?.user) redirect(next);

  const tc = await getTranslations("common");
  return (
    <main className="flex min-h-screen flex-col">
      <div className="flex justify-end p-4">
        <LanguageSwitch signedIn={false} />
      </div>
      <div className="flex flex-1 items-start justify-center px-4 pt-[8vh] pb-16">
        <div className="w-full max-w-sm">
          <p className="mb-6 text-center text-2xl font-bold tracking-tight">{tc("appName")}</p>
          <LoginForm next={next} />
        </div>
      </div>
    </main>
  );
}
