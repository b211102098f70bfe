-- Downtime (#13): per-phase times, downtime and the undo copy's state of a restore run; pins.
ALTER TABLE "Snapshot" ADD COLUMN "pinned" BOOLEAN NOT NULL DEFAULT false;
ALTER TABLE "RestoreRun" ADD COLUMN "phases" TEXT NOT NULL DEFAULT '[]';
ALTER TABLE "RestoreRun" ADD COLUMN "downtimeMs" INTEGER;
ALTER TABLE "RestoreRun" ADD COLUMN "upAfterMs" INTEGER;
ALTER TABLE "RestoreRun" ADD COLUMN "undoCopy" TEXT;
ALTER TABLE "RestoreRun" ADD COLUMN "undoCopySavedAt" DATETIME;
ALTER TABLE "RestoreRun" ADD COLUMN "undoOf" TEXT;
