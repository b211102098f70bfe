-- Fidelity (#12): whether a restore of an imported snapshot keeps setuid/setgid on files.
ALTER TABLE "Snapshot" ADD COLUMN "keepSpecialBits" BOOLEAN NOT NULL DEFAULT false;
