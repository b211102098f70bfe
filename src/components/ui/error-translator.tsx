"use client";

import { useTranslations } from "next-intl";
import { useEffect } from "react";
import { setErrorTranslator, type Translator } from "./trpc-error";

/** Gives describeError the page's language (mounted once, inside the intl provider). */
export function ErrorTranslator() {
  const t = useTranslations();
  useEffect(() => {
    setErrorTranslator(t as unknown as Translator);
    return () => setErrorTranslator(null);
  }, [t]);
  return null;
}
