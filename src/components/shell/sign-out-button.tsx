"use client";

import { signOut } from "next-auth/react";
import { useTranslations } from "next-intl";
import { useState } from "react";
import { Button } from "~/components/ui/button";

export function SignOutButton() {
  const t = useTranslations("shell");
  const [pending, setPending] = useState(false);
  const [failed, setFailed] = useState(false);

  async function onClick() {
    setPending(true);
    setFailed(false);
    try {
      // redirect:false and our own navigation: next-auth would build the callback URL from
      // NEXTAUTH_URL, which a self-hosted instance often leaves unset.
      await signOut({ redirect: false, callbackUrl: "/login" });
      window.location.assign("/login");
    } catch {
      setFailed(true);
      setPending(false);
    }
  }

  return (
    <span className="inline-flex items-center gap-2">
      <Button variant="outline" size="sm" busy={pending} onClick={() => void onClick()}>
        {pending ? t("loggingOut") : t("logout")}
      </Button>
      {failed ? (
        <span role="alert" className="text-xs text-destructive-soft-foreground">
          {t("logoutFailed")}
        </span>
      ) : null}
    </span>
  );
}
