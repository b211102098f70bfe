// The roles a user or token can hold. The database's `Role` enum is the stored type; this
// list must equal it (test/unit/i18n-catalogs.test.ts checks), so client code needs no Prisma.
export const ROLES = ["ADMIN", "VIEWER"] as const;
export type RoleCode = (typeof ROLES)[number];

const RANK: Record<RoleCode, number> = { VIEWER: 1, ADMIN: 2 };

/** Whether `role` may do what `needed` may: an admin can do everything a viewer can. */
export const roleAtLeast = (role: RoleCode, needed: RoleCode) => RANK[role] >= RANK[needed];
