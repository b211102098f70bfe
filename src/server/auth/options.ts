import type { NextAuthOptions } from "next-auth";
import CredentialsProvider from "next-auth/providers/credentials";
import { env } from "~/env";
import { engineDeps } from "../engine-deps";
import { DomainError } from "../engine/errors";
import { signIn } from "../engine/sign-in";
import { currentSessionVersion, endSessions } from "../engine/users";
import { logger } from "../logger";
import { encodeReason } from "~/shared/encoded-reason";
import { clientAddress } from "./client-address";

export const SESSION_MAX_AGE_SECONDS = 12 * 60 * 60;

export const authOptions: NextAuthOptions = {
  secret: env.NEXTAUTH_SECRET,
  session: { strategy: "jwt", maxAge: SESSION_MAX_AGE_SECONDS },
  pages: { signIn: "/login" },
  events: {
    // Signing out ends the session everywhere, so a copied cookie is useless afterwards.
    async signOut({ token }) {
      if (!token?.uid) return;
      const actor = { kind: "user" as const, userId: token.uid, label: token.email ?? token.uid, role: token.role };
      await endSessions(engineDeps, actor, { userId: token.uid, sessionVersion: token.sv ?? 0 });
    },
  },
  providers: [
    CredentialsProvider({
      name: "Email and password",
      credentials: { email: { type: "email" }, password: { type: "password" } },
      async authorize(credentials, req) {
        try {
          const user = await signIn(engineDeps, {
            email: credentials?.email ?? "",
            password: credentials?.password ?? "",
            address: clientAddress(req.headers ?? {}),
          });
          return { id: user.id, email: user.email, name: user.name, role: user.role };
        } catch (error) {
          // next-auth passes the message on as `error`: a reason code the form translates.
          if (error instanceof DomainError && error.reason) throw new Error(encodeReason({ reason: error.reason, params: error.params }));
          logger.error({ err: error }, "sign-in failed");
          throw new Error(encodeReason({ reason: "unexpected" }));
        }
      },
    }),
  ],
  callbacks: {
    async jwt({ token, user }) {
      if (user) {
        token.uid = user.id;
        token.role = user.role;
        // Checked on every request (request-actor.ts): sign-out and a new password bump it.
        token.sv = await currentSessionVersion(engineDeps.db, user.id);
      }
      return token;
    },
    session({ session, token }) {
      if (session.user) {
        session.user.id = token.uid;
        session.user.role = token.role;
      }
      return session;
    },
  },
};
