import "server-only";
import { redirect } from "next/navigation";
import { getServerSession } from "next-auth";
import { cache } from "react";
import { authOptions } from "~/server/auth/options";
import { api } from "~/trpc/server";

/**
 * The signed-in user of a page under (app), read once per request (the layout and the page
 * share it); without a session, or with one whose account is gone, it redirects to /login.
 */
export const requirePageSession = cache(async () => {
  const session = await getServerSession(authOptions);
  if (!session) redirect("/login");
  // The session cookie may outlive the account; me.get re-reads the user (and a changed role).
  const me = await api.me.get().catch(() => null);
  if (!me?.user) redirect("/login");
  return { user: me.user, role: me.role, isAdmin: me.role === "ADMIN" };
});
