// The test image: a rootfs of the host's static busybox, imported with `docker import`, so no
// registry or network is needed.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import fsp from "node:fs/promises";
import path from "node:path";
import type Docker from "dockerode";

export const TEST_IMAGE = "berth-test/busybox:latest";
const BUSYBOX = process.env.BERTH_TEST_BUSYBOX || "/bin/busybox";

/** True unless the ELF file has a PT_INTERP program header (i.e. needs a dynamic loader). */
function isStaticElf(file: string): boolean {
  const buf = fs.readFileSync(file);
  if (buf.length < 64 || buf.readUInt32BE(0) !== 0x7f454c46) return false;
  const is64 = buf[4] === 2;
  const le = buf[5] === 1;
  const u16 = (o: number) => (le ? buf.readUInt16LE(o) : buf.readUInt16BE(o));
  const u32 = (o: number) => (le ? buf.readUInt32LE(o) : buf.readUInt32BE(o));
  const phoff = is64 ? Number(le ? buf.readBigUInt64LE(32) : buf.readBigUInt64BE(32)) : u32(28);
  const phentsize = u16(is64 ? 54 : 42);
  const phnum = u16(is64 ? 56 : 44);
  for (let i = 0; i < phnum; i++) {
    const off = phoff + i * phentsize;
    if (off + 4 > buf.length) break;
    if (u32(off) === 3 /* PT_INTERP */) return false;
  }
  return true;
}

/** Throws unless the busybox the image is built from exists and is statically linked. */
export function assertStaticBusybox(): void {
  if (!fs.existsSync(BUSYBOX) || !isStaticElf(BUSYBOX)) {
    throw new Error(
      `${BUSYBOX} is missing or not statically linked. Run \`bash scripts/ensure-system-deps.sh\` as root (installs busybox-static).`,
    );
  }
}

export async function buildRootfsTar(dir: string): Promise<string> {
  const rootfs = path.join(dir, "img");
  const bin = path.join(rootfs, "bin");
  await fsp.mkdir(bin, { recursive: true });
  await fsp.copyFile(BUSYBOX, path.join(bin, "busybox"));
  await fsp.chmod(path.join(bin, "busybox"), 0o755);
  const list = spawnSync(BUSYBOX, ["--list"], { encoding: "utf8" });
  if (list.status !== 0) throw new Error(`${BUSYBOX} --list failed: ${list.stderr}`);
  const applets = list.stdout
    .split("\n")
    .map((s) => s.trim())
    .filter((s) => s && s !== "busybox" && !s.includes("/"));
  for (const applet of applets) await fsp.symlink("busybox", path.join(bin, applet));
  await fsp.symlink("bin", path.join(rootfs, "sbin"));
  await fsp.mkdir(path.join(rootfs, "usr"));
  await fsp.symlink("../bin", path.join(rootfs, "usr", "bin"));
  await fsp.symlink("../bin", path.join(rootfs, "usr", "sbin"));
  for (const d of ["etc", "root", "tmp", "var/tmp", "home"]) await fsp.mkdir(path.join(rootfs, d), { recursive: true });
  await fsp.chmod(path.join(rootfs, "tmp"), 0o1777);
  await fsp.chmod(path.join(rootfs, "var/tmp"), 0o1777);
  await fsp.chmod(path.join(rootfs, "root"), 0o700);
  await fsp.writeFile(
    path.join(rootfs, "etc", "passwd"),
    "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n",
  );
  await fsp.writeFile(path.join(rootfs, "etc", "group"), "root:x:0:\nnogroup:x:65534:\n");
  const tarFile = path.join(dir, "img.tar");
  const tar = spawnSync("tar", ["-C", rootfs, "--numeric-owner", "--owner=0", "--group=0", "-cf", tarFile, "."], {
    encoding: "utf8",
  });
  if (tar.status !== 0) throw new Error(`tar failed: ${tar.stderr}`);
  await fsp.rm(rootfs, { recursive: true, force: true });
  return tarFile;
}

export async function importImage(docker: Docker, tarFile: string, image: string): Promise<void> {
  const [repo, tag] = image.split(/:(?=[^:/]+$)/) as [string, string | undefined];
  const stream = await docker.importImage(tarFile, { repo, tag: tag ?? "latest", changes: ['CMD ["sh"]'] });
  const events = await new Promise<Array<{ error?: string; errorDetail?: { message?: string } }>>((resolve, reject) =>
    docker.modem.followProgress(stream, (err: Error | null, res: unknown[]) => (err ? reject(err) : resolve(res as never))),
  );
  const failed = events.find((e) => e.error || e.errorDetail);
  if (failed) throw new Error(`docker import failed: ${failed.errorDetail?.message ?? failed.error}`);
  await docker.getImage(image).inspect();
}
