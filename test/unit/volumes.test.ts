import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  findBindClash,
  resolveVolume,
  validateVolumeSpecs,
  type BindClaim,
  type VolumeContext,
  type VolumeSpec,
} from "~/server/engine/volumes";

let tmp: string;
let ctx: VolumeContext;
beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), "berth-vol-"));
  ctx = { dataDir: path.join(tmp, "data"), projectSlug: "shop", stageSlug: "production", absoluteRoots: [] };
});
afterAll(() => fs.rm(tmp, { recursive: true, force: true }));

const vol = (scope: VolumeSpec["scope"], source: string, target = "/data"): VolumeSpec => ({ scope, source, target });

describe("volume resolution", () => {
  it("maps project and stage scopes under the data dir", async () => {
    await expect(resolveVolume(vol("project", "uploads"), ctx)).resolves.toMatchObject({
      kind: "bind",
      hostPath: path.join(tmp, "data/volumes/projects/shop/shared/uploads"),
    });
    await expect(resolveVolume(vol("stage", "db/main"), ctx)).resolves.toMatchObject({
      kind: "bind",
      hostPath: path.join(tmp, "data/volumes/projects/shop/stages/production/db/main"),
    });
    await expect(resolveVolume(vol("named", "pgdata"), ctx)).resolves.toMatchObject({ kind: "named", volumeName: "pgdata" });
  });

  it.each([
    ["../x", /must not contain "\.\."/],
    ["a/../../x", /must not contain "\.\."/],
    ["/etc", /must be relative/],
    ["a\u0000b", /control characters/],
    ["a\nb", /control characters/],
    ["a//b", /empty or '\.' segments/],
    ["./a", /empty or '\.' segments/],
    ["", /source is required/],
    ["a\\..\\b", /backslashes/],
  ])("refuses stage source %j, naming the volume", async (source, reason) => {
    const error = await resolveVolume(vol("stage", source, "/var/lib/app"), ctx).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "BAD_REQUEST", message: expect.stringMatching(reason) });
    expect((error as Error).message).toContain('Volume "/var/lib/app"');
  });

  it("refuses a symlinked parent that points outside the base", async () => {
    const stageBase = path.join(tmp, "data/volumes/projects/shop/stages/production");
    await fs.mkdir(stageBase, { recursive: true });
    await fs.mkdir(path.join(tmp, "outside"), { recursive: true });
    await fs.symlink(path.join(tmp, "outside"), path.join(stageBase, "escape"));
    await expect(resolveVolume(vol("stage", "escape/data"), ctx)).rejects.toThrow(/through a symlink/);
    await expect(resolveVolume(vol("stage", "escape"), ctx)).rejects.toThrow(/through a symlink/);
  });

  it("refuses absolute volumes without roots, and accepts them only inside a root", async () => {
    await expect(resolveVolume(vol("absolute", "/srv/app"), ctx)).rejects.toThrow(/absolute host paths are disabled.*BERTH_ABSOLUTE_ROOTS/);
    const withRoot = { ...ctx, absoluteRoots: [path.join(tmp, "srv")] };
    await expect(resolveVolume(vol("absolute", path.join(tmp, "srv/app")), withRoot)).resolves.toMatchObject({
      hostPath: path.join(tmp, "srv/app"),
    });
    await expect(resolveVolume(vol("absolute", path.join(tmp, "srvx")), withRoot)).rejects.toThrow(/outside the allowed absolute roots/);
    await expect(resolveVolume(vol("absolute", `${tmp}/srv/../etc`), withRoot)).rejects.toThrow(/must not contain "\.\."/);
    await expect(resolveVolume(vol("absolute", "relative/path"), withRoot)).rejects.toThrow(/absolute host path/);
  });

  it("validates targets: absolute, not /, unique after normalisation", () => {
    expect(() => validateVolumeSpecs([vol("stage", "a", "relative")], [])).toThrow(/absolute container path/);
    expect(() => validateVolumeSpecs([vol("stage", "a", "/")], [])).toThrow(/absolute container path/);
    expect(() => validateVolumeSpecs([vol("stage", "a", "/x/../y")], [])).toThrow(/target must not contain/);
    expect(() => validateVolumeSpecs([vol("stage", "a", "/data"), vol("stage", "b", "/data/")], [])).toThrow(/used by another volume/);
    expect(() => validateVolumeSpecs([vol("named", "bad name", "/n")], [])).toThrow(/Docker volume name/);
    expect(() => validateVolumeSpecs([vol("stage", "a", "/data"), vol("project", "b", "/other")], [])).not.toThrow();
  });
});

describe("mount syntax in sources and targets", () => {
  it.each([
    ["stage", "data:Z", "/data"],
    ["stage", "data,ro", "/data"],
    ["stage", "data", "/data:rshared"],
    ["stage", "data", "/data,readonly"],
    ["named", "vol:ro", "/data"],
  ] as const)("refuses %s source %j at %j", (scope, source, target) => {
    expect(() => validateVolumeSpecs([{ scope, source, target }], [])).toThrow(/must not contain ':' or ','/);
  });
});

describe("bind overlap", () => {
  const claim = (workloadId: string, target: string, hostPath: string, scope: BindClaim["scope"] = "project"): BindClaim => ({
    workloadId,
    workloadName: `p/s/${workloadId}`,
    target,
    scope,
    hostPath,
  });

  it("refuses a bind inside, or containing, another bind of the same workload", () => {
    expect(findBindClash([claim("a", "/data", "/v/app"), claim("a", "/cache", "/v/app/cache")], [])).toMatch(
      /Volume "\/data": its folder contains the folder of volume \/cache of this workload; volumes may not nest/,
    );
    expect(findBindClash([claim("a", "/data", "/v/app"), claim("a", "/again", "/v/app")], [])).toMatch(
      /already used by volume \/again of this workload/,
    );
  });

  it("refuses nesting across workloads, whatever the scope", () => {
    expect(findBindClash([claim("b", "/cache", "/v/app/cache")], [claim("a", "/data", "/v/app")])).toMatch(
      /Volume "\/cache": its folder lies inside the folder of volume \/data of workload p\/s\/a/,
    );
    expect(findBindClash([claim("b", "/all", "/r", "absolute")], [claim("a", "/data", "/r/x", "absolute")])).toMatch(
      /contains the folder of/,
    );
  });

  it("allows the same folder only as a project volume of different workloads", () => {
    expect(findBindClash([claim("b", "/data", "/v/app")], [claim("a", "/data", "/v/app")])).toBeNull();
    expect(findBindClash([claim("b", "/data", "/r/x", "absolute")], [claim("a", "/data", "/r/x", "absolute")])).toMatch(
      /only project volumes may share a folder/,
    );
    expect(findBindClash([claim("b", "/data", "/v/app2")], [claim("a", "/data", "/v/app")])).toBeNull();
  });
});
