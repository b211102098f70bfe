import { getTranslations } from "next-intl/server";
import { LanguageSwitch } from "~/components/language-switch";
import { Badge } from "~/components/ui/badge";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "~/components/ui/card";
import { ChangePasswordForm } from "./change-password-form";

export async function AccountSection({ email, name, role }: { email: string; name: string; role: "ADMIN" | "VIEWER" }) {
  const t = await getTranslations("account");
  const tc = await getTranslations("common");
  return (
    <Card>
      <CardHeader>
        <CardTitle>{t("title")}</CardTitle>
        <CardDescription>{t("description")}</CardDescription>
      </CardHeader>
      <CardContent>
        <dl className="grid grid-cols-1 gap-x-6 gap-y-4 text-sm sm:grid-cols-[max-content_1fr]">
          <dt className="font-medium text-muted-foreground">{t("email")}</dt>
          <dd className="break-all">{email}</dd>
          <dt className="font-medium text-muted-foreground">{t("name")}</dt>
          <dd>{name}</dd>
          <dt className="font-medium text-muted-foreground">{t("role")}</dt>
          <dd>
            <Badge variant={role === "ADMIN" ? "default" : "secondary"}>{tc(`roles.${role}`)}</Badge>
          </dd>
          <dt className="font-medium text-muted-foreground">{t("language")}</dt>
          <dd className="flex flex-col items-start gap-1">
            <LanguageSwitch signedIn className="items-start" />
            <span className="text-muted-foreground">{t("languageHint")}</span>
          </dd>
        </dl>
        <div className="mt-6 border-t border-border pt-6">
          <ChangePasswordForm email={email} />
        </div>
      </CardContent>
    </Card>
  );
}
