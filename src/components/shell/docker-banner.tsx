"use client";

import { useTranslations } from "next-intl";
import { Alert, AlertDescription, AlertTitle } from "~/components/ui/alert";
import { api } from "~/trpc/react";

/** Warns while the Docker engine cannot be reached; rechecks every 30 s. */
export function DockerBanner() {
  const t = useTranslations("shell.docker");
  const status = api.system.status.useQuery(undefined, { refetchInterval: 30_000 });
  if (status.data?.docker !== "unreachable") return null;
  return (
    <div className="mx-auto w-full max-w-6xl px-4 pt-4">
      <Alert variant="warning" role="alert">
        <AlertTitle>{t("title")}</AlertTitle>
        <AlertDescription>{t("description")}</AlertDescription>
      </Alert>
    </div>
  );
}
