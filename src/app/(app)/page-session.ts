import "server-only";
import { headers } from "next/headers";
import { redirect } from "next/navigation";
import { getServerSession } from "next-auth";
import { cache } from "react";
import { loginUrlFor, REQUEST_PATH_HEADER } from "~/shared/next-path";
import { authOptions } from "~/server/auth/options";
import { api } from "~/trpc/server";

/** /login, returning afterwards to the page this request asked for (when the server says which). */
const toLogin = async (): Promise<never> => redirect(loginUrlFor((await headers()).get(REQUEST_PATH_HEADER)));

/**
 * The signed-in user of a page under (app), read once per request (the layout and the page
 * share it); without a session, or with one whose account is gone, it redirects to /login.
 */
export const requirePageSession = cache(async () => {
  const session = await getServerSession(authOptions);
  if (!session) return toLogin();
  // The session cookie may outlive the account; me.get re-reads the user (and a changed role).
  const me = await api.me.get().catch(() => null);
  if (!me?.user) return toLogin();
  return { user: me.user, role: me.role, isAdmin: me.role === "ADMIN" };
});
