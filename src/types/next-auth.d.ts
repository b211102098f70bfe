import type { DefaultSession } from "next-auth";
import type { Role } from "~/generated/prisma/enums";

declare module "next-auth" {
  interface Session {
    user: DefaultSession["user"] & { id: string; role: Role };
  }
  interface User {
    role: Role;
  }
}

declare module "next-auth/jwt" {
  interface JWT {
    uid: string;
    role: Role;
    /** User.sessionVersion at sign-in; absent in cookies from before it existed (= 0) */
    sv?: number;
  }
}
