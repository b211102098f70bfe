-- AlterTable
ALTER TABLE "Snapshot" ADD COLUMN "verifiedAt" DATETIME;
ALTER TABLE "Snapshot" ADD COLUMN "verifyDetail" TEXT;
ALTER TABLE "Snapshot" ADD COLUMN "verifyOutcome" TEXT;

-- CreateTable
CREATE TABLE "StorageTarget" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "name" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "config" TEXT NOT NULL,
    "secretSealed" TEXT,
    "hostKey" TEXT,
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "retention" TEXT,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL,
    "lastCheckAt" DATETIME,
    "lastOutcome" TEXT,
    "lastDetail" TEXT
);

-- CreateTable
CREATE TABLE "CopyRule" (
    "workloadId" TEXT NOT NULL,
    "targetId" TEXT NOT NULL,

    PRIMARY KEY ("workloadId", "targetId"),
    CONSTRAINT "CopyRule_workloadId_fkey" FOREIGN KEY ("workloadId") REFERENCES "Workload" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "CopyRule_targetId_fkey" FOREIGN KEY ("targetId") REFERENCES "StorageTarget" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "SnapshotCopy" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "targetId" TEXT NOT NULL,
    "snapshotId" TEXT NOT NULL,
    "workloadId" TEXT NOT NULL,
    "remoteName" TEXT NOT NULL,
    "size" BIGINT NOT NULL,
    "sha256" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "label" TEXT NOT NULL,
    "snapshotCreatedAt" DATETIME NOT NULL,
    "state" TEXT NOT NULL,
    "bytesDone" BIGINT NOT NULL DEFAULT 0,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "nextAttemptAt" DATETIME,
    "copiedAt" DATETIME,
    "verifiedAt" DATETIME,
    "checkedAt" DATETIME,
    "detail" TEXT,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "SnapshotCopy_targetId_fkey" FOREIGN KEY ("targetId") REFERENCES "StorageTarget" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "TestRestore" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "workloadId" TEXT NOT NULL,
    "snapshotId" TEXT NOT NULL,
    "command" TEXT,
    "actor" TEXT NOT NULL,
    "startedAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finishedAt" DATETIME,
    "outcome" TEXT,
    "exitCode" INTEGER,
    "output" TEXT NOT NULL DEFAULT '',
    "detail" TEXT,
    CONSTRAINT "TestRestore_workloadId_fkey" FOREIGN KEY ("workloadId") REFERENCES "Workload" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateIndex
CREATE INDEX "SnapshotCopy_workloadId_idx" ON "SnapshotCopy"("workloadId");

-- CreateIndex
CREATE INDEX "SnapshotCopy_state_nextAttemptAt_idx" ON "SnapshotCopy"("state", "nextAttemptAt");

-- CreateIndex
CREATE UNIQUE INDEX "SnapshotCopy_snapshotId_targetId_key" ON "SnapshotCopy"("snapshotId", "targetId");

-- CreateIndex
CREATE INDEX "TestRestore_workloadId_startedAt_idx" ON "TestRestore"("workloadId", "startedAt");
