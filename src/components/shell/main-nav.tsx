"use client";

import Link from "next/link";
import { usePathname } from "next/navigation";
import { useTranslations } from "next-intl";
import { cn } from "~/lib/utils";

export function MainNav() {
  const t = useTranslations("shell");
  const pathname = usePathname();
  const items = [
    { href: "/", label: t("nav.dashboard") },
    { href: "/workloads", label: t("nav.workloads") },
    { href: "/projects", label: t("nav.projects") },
    { href: "/snapshots", label: t("nav.snapshots") },
    { href: "/settings", label: t("nav.settings") },
  ];
  return (
    <nav aria-label={t("navLabel")}>
      <ul className="flex flex-wrap items-center gap-1">
        {items.map((item) => {
          // The dashboard is "/": every path starts with it, so it is active only on itself.
          const active = item.href === "/" ? pathname === "/" : pathname === item.href || pathname.startsWith(`${item.href}/`);
          return (
            <li key={item.href}>
              <Link
                href={item.href}
                aria-current={active ? "page" : undefined}
                className={cn(
                  "rounded-md px-3 py-1.5 text-sm font-medium transition-colors focus-visible:outline-2 focus-visible:outline-ring",
                  active ? "bg-accent text-accent-foreground" : "text-muted-foreground hover:bg-accent hover:text-accent-foreground",
                )}
              >
                {item.label}
              </Link>
            </li>
          );
        })}
      </ul>
    </nav>
  );
}
