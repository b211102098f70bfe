"use client";

import { signIn } from "next-auth/react";
import { useTranslations } from "next-intl";
import { useState } from "react";
import { Alert } from "~/components/ui/alert";
import { Button } from "~/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "~/components/ui/card";
import { Input } from "~/components/ui/input";
import { Label } from "~/components/ui/label";
import { decodeReason } from "~/shared/encoded-reason";

/** `next`: the page to return to after signing in, a same-origin path (the login page checked it). */
export function LoginForm({ next = "/" }: { next?: string }) {
  const t = useTranslations("login");
  const tRoot = useTranslations();
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<string | null>(null);

  // The server sends a reason code (shared/encoded-reason.ts); next-auth's own failure is "CredentialsSignin".
  function translateError(text: string): string {
    const error = decodeReason(text);
    if (text === "CredentialsSignin" || error?.reason === "invalid-credentials") return t("errors.invalid");
    if (error?.reason === "account-disabled") return tRoot("errors.account-disabled");
    if (error?.reason === "too-many-attempts") return t("errors.tooMany", { minutes: Number(error.params?.minutes ?? 1) });
    return t("errors.unknown");
  }

  async function onSubmit(event: React.FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setPending(true);
    setError(null);
    try {
      const result = await signIn("credentials", { redirect: false, email, password });
      if (!result || result.error || !result.ok) {
        setError(result?.error ? translateError(result.error) : t("errors.unknown"));
        setPending(false);
        return;
      }
      // A full load so the server renders with the new session (and the user's saved language).
      window.location.assign(next);
    } catch {
      setError(t("errors.network"));
      setPending(false);
    }
  }

  return (
    <Card>
      <CardHeader>
        <CardTitle as="h1">{t("title")}</CardTitle>
        <CardDescription>{t("description")}</CardDescription>
      </CardHeader>
      <CardContent>
        <form onSubmit={onSubmit} className="flex flex-col gap-4">
          {error ? (
            <Alert variant="destructive" role="alert">
              {error}
            </Alert>
          ) : null}
          <div className="flex flex-col gap-2">
            <Label htmlFor="login-email">{t("email")}</Label>
            <Input
              id="login-email"
              name="email"
              type="email"
              autoComplete="username"
              required
              autoFocus
              value={email}
              onChange={(e) => setEmail(e.target.value)}
            />
          </div>
          <div className="flex flex-col gap-2">
            <Label htmlFor="login-password">{t("password")}</Label>
            <Input
              id="login-password"
              name="password"
              type="password"
              autoComplete="current-password"
              required
              value={password}
              onChange={(e) => setPassword(e.target.value)}
            />
          </div>
          <Button type="submit" busy={pending} className="w-full">
            {pending ? t("submitting") : t("submit")}
          </Button>
        </form>
      </CardContent>
    </Card>
  );
}
