import type { EngineDeps } from "../deps";
import { DomainError } from "../errors";
import { sealedKeyId } from "../secret-box";
import { parseAppliedConfig } from "./pending-changes";
import { sealEnvVar, storedEnvVarSchema, type StoredEnvVar } from "./workload-config";

export interface ResealReport {
  /** rows whose stored secrets changed: workloads' env, alert targets' URLs, storage targets' credentials */
  resealed: number;
  /** secret values no key of the box opens (another key, or damaged): left as they are, using them fails clearly */
  unreadable: ({ workloadId: string; key: string } | { alertTargetId: string } | { storageTargetId: string })[];
}

/**
 * Brings every stored secret to the box's current key: values in clear (rows written before
 * sealing existed) are sealed, values sealed with another key the box holds are re-sealed.
 * Runs at every start (the upgrade path) and for `berth secrets rotate-key`, in one transaction.
 */
export async function resealSecrets(deps: Pick<EngineDeps, "db" | "secrets">): Promise<ResealReport> {
  const { db, secrets } = deps;
  const report: ResealReport = { resealed: 0, unreadable: [] };
  await db.$transaction(async (tx) => {
    // A workload's env, and the copy of it its running container was deployed with (appliedConfig).
    const resealEnv = (env: StoredEnvVar[], workloadId: string): StoredEnvVar[] | null => {
      let changed = false;
      const next = env.map((e): StoredEnvVar => {
        if (!e.secret) return e;
        if (e.sealed === undefined) {
          changed = true;
          return sealEnvVar(e, secrets);
        }
        if (sealedKeyId(e.sealed) === secrets.keyId) return e;
        let plain: string;
        try {
          plain = secrets.open(e.sealed);
        } catch (error) {
          if (!(error instanceof DomainError)) throw error;
          report.unreadable.push({ workloadId, key: e.key });
          return e;
        }
        changed = true;
        return { ...e, sealed: secrets.seal(plain) };
      });
      return changed ? next : null;
    };
    for (const row of await tx.workload.findMany({ select: { id: true, env: true, appliedConfig: true } })) {
      const env = resealEnv(storedEnvVarSchema.array().parse(JSON.parse(row.env)), row.id);
      // Old ciphertexts must not outlive a key rotation in the applied copy either; one that no
      // longer parses is dropped (the workload then shows no "not applied" marker until its next deploy).
      const applied = row.appliedConfig === null ? null : parseAppliedConfig(row.appliedConfig);
      const appliedEnv = applied ? resealEnv(applied.env, row.id) : null;
      if (!env && !appliedEnv) continue;
      await tx.workload.update({
        where: { id: row.id },
        data: {
          ...(env ? { env: JSON.stringify(env) } : {}),
          ...(applied && appliedEnv ? { appliedConfig: JSON.stringify({ ...applied, env: appliedEnv }) } : {}),
        },
      });
      report.resealed++;
    }
    // Alert target URLs (they may hold a webhook's secret) and storage targets' passwords and keys are always sealed.
    const resealed = (sealed: string, unreadable: ResealReport["unreadable"][number]): string | undefined => {
      if (sealedKeyId(sealed) === secrets.keyId) return undefined;
      try {
        return secrets.seal(secrets.open(sealed));
      } catch (error) {
        if (!(error instanceof DomainError)) throw error;
        report.unreadable.push(unreadable);
        return undefined;
      }
    };
    for (const row of await tx.alertTarget.findMany({ select: { id: true, urlSealed: true } })) {
      const urlSealed = resealed(row.urlSealed, { alertTargetId: row.id });
      if (!urlSealed) continue;
      await tx.alertTarget.update({ where: { id: row.id }, data: { urlSealed } });
      report.resealed++;
    }
    for (const row of await tx.storageTarget.findMany({
      where: { secretSealed: { not: null } },
      select: { id: true, secretSealed: true },
    })) {
      const secretSealed = row.secretSealed && resealed(row.secretSealed, { storageTargetId: row.id });
      if (!secretSealed) continue;
      await tx.storageTarget.update({ where: { id: row.id }, data: { secretSealed } });
      report.resealed++;
    }
  });
  // SQLite frees the replaced cells without wiping them (no secure_delete): the old values would
  // stay in the file's free space. VACUUM rewrites the file from the live rows only.
  if (report.resealed > 0) await db.$executeRawUnsafe("VACUUM");
  return report;
}
