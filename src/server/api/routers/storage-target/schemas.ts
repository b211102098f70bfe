import { z } from "zod";
import { idSchema } from "../schemas";
import { retentionPolicySchema } from "../retention/schemas";

const nameSchema = z.string().trim().min(1).max(80);
const folderSchema = z.string().trim().min(1).max(1000);
// Secrets are bounded but never trimmed: a password may start or end with a space.
const secretSchema = z.string().max(16_000);

const sftpWhere = z.object({
  kind: z.literal("sftp"),
  host: z.string().trim().min(1).max(253),
  port: z.number().int().min(1).max(65_535).default(22),
  username: z.string().trim().min(1).max(64),
  folder: folderSchema,
  password: secretSchema.optional(),
  privateKey: secretSchema.optional(),
  passphrase: secretSchema.optional(),
});
const localWhere = z.object({ kind: z.literal("local"), folder: folderSchema });
const whereSchema = z.discriminatedUnion("kind", [sftpWhere, localWhere]);

export const storageTargetIdInput = z.object({ id: idSchema });
export const createStorageTargetInput = z.intersection(
  whereSchema,
  z.object({ name: nameSchema, enabled: z.boolean().optional(), retention: retentionPolicySchema.nullable().optional() }),
);
/** Omitted credentials keep the stored ones; `where` replaces host, folder and credentials. */
export const updateStorageTargetInput = z.object({
  id: idSchema,
  name: nameSchema.optional(),
  enabled: z.boolean().optional(),
  retention: retentionPolicySchema.nullable().optional(),
  where: whereSchema.optional(),
  forgetHostKey: z.boolean().optional(),
});
export const importFromTargetInput = z.object({
  targetId: idSchema,
  name: z.string().max(100),
  workloadId: idSchema,
  label: z.string().trim().max(100).optional(),
  keepSpecialBits: z.boolean().optional(),
});
export const copyPolicyInput = z.object({ workloadId: idSchema });
export const setCopyPolicyInput = z.object({ workloadId: idSchema, targetIds: z.array(idSchema).max(50) });
