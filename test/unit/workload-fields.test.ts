// The one check of a workload's settings both sides run: each rule, many issues at once, and
// the paths the form puts them under.
import { describe, expect, it } from "vitest";
import { type FieldSettings, fieldIssueEnglish, workloadFieldIssues } from "~/shared/workload-fields";

const ok: FieldSettings = { image: "nginx:1.27", env: [], ports: [], volumes: [] };
const paths = (settings: Partial<FieldSettings>, context = {}) =>
  workloadFieldIssues({ ...ok, ...settings }, context).map((i) => [i.path, i.reason, i.params]);
const port = (hostPort: number, protocol = "tcp", containerPort = 80) => ({ hostPort, containerPort, protocol });
const volume = (scope: string, source: string, target = "/data") => ({ scope, source, target });

describe("workloadFieldIssues", () => {
  it("accepts valid settings", () => {
    expect(
      workloadFieldIssues({
        image: "registry.example.com/app:2.1",
        env: [{ key: "A_1" }, { key: "_b" }],
        ports: [port(8080), port(8080, "udp"), port(65_535, "tcp", 1)],
        volumes: [volume("stage", "app/data"), volume("project", "shared", "/shared"), volume("named", "pg-data", "/pg")],
      }),
    ).toEqual([]);
  });

  it("checks the name only when it is given (at create)", () => {
    expect(paths({ name: "web-1" })).toEqual([]);
    expect(paths({ name: "Web App" })).toEqual([["name", "name-invalid", {}]]);
    expect(paths({ name: "-web" })).toEqual([["name", "name-invalid", {}]]);
  });

  it("requires an image without spaces", () => {
    expect(paths({ image: "  " })).toEqual([["image", "image-required", {}]]);
    expect(paths({ image: "nginx latest" })).toEqual([["image", "image-spaces", {}]]);
  });

  it("checks env names and duplicates, at the row's key", () => {
    expect(paths({ env: [{ key: "OK" }, { key: "1BAD" }, { key: "OK" }, { key: "a-b" }] })).toEqual([
      ["env.1.key", "env-key-invalid", { key: "1BAD" }],
      ["env.2.key", "env-duplicate", { key: "OK" }],
      ["env.3.key", "env-key-invalid", { key: "a-b" }],
    ]);
  });

  it("checks port ranges, duplicates per protocol, and ports other workloads publish", () => {
    expect(paths({ ports: [port(0), port(70_000, "tcp", Number.NaN), port(8080.5)] })).toEqual([
      ["ports.0.hostPort", "port-invalid", { min: 1, max: 65_535 }],
      ["ports.1.containerPort", "port-invalid", { min: 1, max: 65_535 }],
      ["ports.1.hostPort", "port-invalid", { min: 1, max: 65_535 }],
      ["ports.2.hostPort", "port-invalid", { min: 1, max: 65_535 }],
    ]);
    expect(paths({ ports: [port(8080), port(8080, "udp"), port(8080)] })).toEqual([
      ["ports.2.hostPort", "host-port-duplicate", { port: "8080/tcp" }],
    ]);
    const portsInUse = [{ hostPort: 5432, protocol: "tcp", workload: "shop/production/db" }];
    expect(paths({ ports: [port(5432, "udp"), port(5432)] }, { portsInUse })).toEqual([
      ["ports.1.hostPort", "host-port-taken", { port: "5432/tcp", workload: "shop/production/db" }],
    ]);
  });

  it.each([
    ["stage", "../etc", "sourceDotDot"],
    ["stage", "a/../../x", "sourceDotDot"],
    ["project", "/etc", "sourceAbsolute"],
    ["stage", "a\u0000b", "controlChars"],
    ["stage", "a//b", "sourceEmptySegment"],
    ["stage", "./a", "sourceEmptySegment"],
    ["stage", "a\\b", "sourceBackslash"],
    ["stage", "", "sourceRequired"],
    ["stage", "data:Z", "mountSyntax"],
    ["absolute", "relative/path", "sourceNotAbsolute"],
    ["absolute", "/srv/../etc", "sourceDotDot"],
    ["named", "bad name", "namedInvalid"],
    ["elsewhere", "x", "scopeUnknown"],
  ])("refuses a %s source %j (%s) at the volume's source", (scope, source, problem) => {
    expect(paths({ volumes: [volume(scope, source)] })).toEqual([["volumes.0.source", "volume-problem", { target: "/data", problem }]]);
  });

  it("checks targets: absolute, not /, no '..', unique after normalising", () => {
    expect(
      paths({
        volumes: [
          volume("stage", "a", "relative"),
          volume("stage", "b", "/"),
          volume("stage", "c", "/x/../y"),
          volume("stage", "d", "/data"),
          volume("stage", "e", "/data/"),
          volume("stage", "f", "/d,ro"),
        ],
      }).map(([path, , params]) => [path, (params as { problem: string }).problem]),
    ).toEqual([
      ["volumes.0.target", "targetNotAbsolute"],
      ["volumes.1.target", "targetNotAbsolute"],
      ["volumes.2.target", "targetDotDot"],
      ["volumes.4.target", "targetDuplicate"],
      ["volumes.5.target", "mountSyntax"],
    ]);
  });

  it("reports every problem at once, in the form's order, one per field", () => {
    const issues = workloadFieldIssues({
      image: "",
      env: [{ key: "GOOD" }, { key: "bad key" }],
      ports: [port(80), port(80)],
      volumes: [volume("stage", "../etc", "relative")],
    });
    expect(issues.map((i) => i.path)).toEqual(["image", "env.1.key", "ports.1.hostPort", "volumes.0.target", "volumes.0.source"]);
    expect(issues.map(fieldIssueEnglish)).toEqual([
      "image is required",
      'Environment variable name "bad key" is not valid (letters, digits and _, not starting with a digit)',
      "Host port 80/tcp is published twice",
      'Volume "relative": target must be an absolute container path other than /',
      'Volume "relative": source must not contain ".."',
    ]);
  });
});
