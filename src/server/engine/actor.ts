import type { Role } from "~/generated/prisma/enums";

// Who is acting: a signed-in user, an API token, or Berth itself (boot tasks, CLI).
export type Actor =
  | { kind: "user"; userId: string; label: string; role: Role }
  | { kind: "token"; tokenId: string; label: string; role: Role }
  | { kind: "system"; label: string; role: "ADMIN" };

export const systemActor = (label = "berth"): Actor => ({ kind: "system", label, role: "ADMIN" });
