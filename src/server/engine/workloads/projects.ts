import type { Db } from "../../db";
import type { Actor } from "../actor";
import { recordAudit } from "../audit";
import { badRequest, conflict, notFound } from "../errors";

export async function listProjects(db: Db) {
  return db.project.findMany({
    orderBy: { slug: "asc" },
    include: { stages: { orderBy: { slug: "asc" }, include: { _count: { select: { workloads: true } } } }, _count: { select: { workloads: true } } },
  });
}

export async function createProject(db: Db, actor: Actor, input: { slug: string; name?: string }) {
  if (await db.project.findUnique({ where: { slug: input.slug } })) throw conflict(`Project ${input.slug} already exists`);
  const project = await db.project.create({ data: { slug: input.slug, name: input.name?.trim() || input.slug } });
  await recordAudit(db, actor, { action: "project.create", target: project.slug, outcome: "success" });
  return project;
}

export async function renameProject(db: Db, actor: Actor, id: string, name: string) {
  const project = await db.project.findUnique({ where: { id } });
  if (!project) throw notFound("Project");
  const updated = await db.project.update({ where: { id }, data: { name: name.trim() } });
  await recordAudit(db, actor, { action: "project.rename", target: project.slug, outcome: "success", detail: { name } });
  return updated;
}

export async function deleteProject(db: Db, actor: Actor, id: string) {
  const project = await db.project.findUnique({ where: { id }, include: { _count: { select: { workloads: true } } } });
  if (!project) throw notFound("Project");
  if (project._count.workloads > 0) {
    throw badRequest(`Project ${project.slug} still has ${project._count.workloads} workload(s); delete them first`);
  }
  await db.$transaction([db.stage.deleteMany({ where: { projectId: id } }), db.project.delete({ where: { id } })]);
  await recordAudit(db, actor, { action: "project.delete", target: project.slug, outcome: "success" });
}

export async function listStages(db: Db, projectId: string) {
  return db.stage.findMany({ where: { projectId }, orderBy: { slug: "asc" } });
}

export async function createStage(db: Db, actor: Actor, input: { projectId: string; slug: string; name?: string }) {
  const project = await db.project.findUnique({ where: { id: input.projectId } });
  if (!project) throw notFound("Project");
  const existing = await db.stage.findUnique({ where: { projectId_slug: { projectId: project.id, slug: input.slug } } });
  if (existing) throw conflict(`Stage ${input.slug} already exists in project ${project.slug}`);
  const stage = await db.stage.create({ data: { projectId: project.id, slug: input.slug, name: input.name?.trim() || input.slug } });
  await recordAudit(db, actor, { action: "stage.create", target: `${project.slug}/${stage.slug}`, outcome: "success" });
  return stage;
}

export async function renameStage(db: Db, actor: Actor, id: string, name: string) {
  const stage = await db.stage.findUnique({ where: { id }, include: { project: true } });
  if (!stage) throw notFound("Stage");
  const updated = await db.stage.update({ where: { id }, data: { name: name.trim() } });
  await recordAudit(db, actor, { action: "stage.rename", target: `${stage.project.slug}/${stage.slug}`, outcome: "success", detail: { name } });
  return updated;
}

export async function deleteStage(db: Db, actor: Actor, id: string) {
  const stage = await db.stage.findUnique({ where: { id }, include: { project: true, _count: { select: { workloads: true } } } });
  if (!stage) throw notFound("Stage");
  if (stage._count.workloads > 0) {
    throw badRequest(`Stage ${stage.slug} still has ${stage._count.workloads} workload(s); delete them first`);
  }
  await db.stage.delete({ where: { id } });
  await recordAudit(db, actor, { action: "stage.delete", target: `${stage.project.slug}/${stage.slug}`, outcome: "success" });
}
