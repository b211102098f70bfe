-- CreateTable
CREATE TABLE "RestoreRun" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "workloadId" TEXT NOT NULL,
    "snapshotId" TEXT NOT NULL,
    "preRestoreSnapshotId" TEXT,
    "actor" TEXT NOT NULL,
    "phase" TEXT NOT NULL,
    "outcome" TEXT,
    "detail" TEXT,
    "startedAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finishedAt" DATETIME,
    "durationMs" INTEGER,
    CONSTRAINT "RestoreRun_workloadId_fkey" FOREIGN KEY ("workloadId") REFERENCES "Workload" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateIndex
CREATE INDEX "RestoreRun_workloadId_startedAt_idx" ON "RestoreRun"("workloadId", "startedAt");
