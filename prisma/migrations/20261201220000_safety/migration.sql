-- Safety (#11): session versions, per-account sign-in back-off, token expiry, missing snapshot files.
ALTER TABLE "User" ADD COLUMN "sessionVersion" INTEGER NOT NULL DEFAULT 0;
ALTER TABLE "User" ADD COLUMN "failedSignIns" INTEGER NOT NULL DEFAULT 0;
ALTER TABLE "User" ADD COLUMN "signInBlockedUntil" DATETIME;
ALTER TABLE "ApiToken" ADD COLUMN "expiresAt" DATETIME;
ALTER TABLE "Snapshot" ADD COLUMN "fileMissing" BOOLEAN NOT NULL DEFAULT false;
