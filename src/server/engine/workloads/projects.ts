import type { EngineDeps } from "~/server/engine/deps";
import type { Actor } from "../actor";
import { recordAudit } from "../audit";
import { badRequest, conflict, notFound } from "../errors";

export async function listProjects(deps: EngineDeps, _viewer: Actor) {
  const { db } = deps;
  return db.project.findMany({
    orderBy: { slug: "asc" },
    include: {
      stages: { orderBy: { slug: "asc" }, include: { _count: { select: { workloads: true } } } },
      _count: { select: { workloads: true } },
    },
  });
}

export async function createProject(deps: EngineDeps, actor: Actor, input: { slug: string; name?: string }) {
  const { db } = deps;
  if (await db.project.findUnique({ where: { slug: input.slug } })) {
    throw conflict(`Project ${input.slug} already exists`, { reason: "project-exists", params: { slug: input.slug } });
  }
  const project = await db.project.create({ data: { slug: input.slug, name: input.name?.trim() || input.slug } });
  await recordAudit(db, actor, { action: "project.create", target: project.slug, outcome: "success" });
  return project;
}

export async function renameProject(deps: EngineDeps, actor: Actor, input: { id: string; name: string }) {
  const { db } = deps;
  const { id, name } = input;
  const project = await db.project.findUnique({ where: { id } });
  if (!project) throw notFound("project");
  const updated = await db.project.update({ where: { id }, data: { name: name.trim() } });
  await recordAudit(db, actor, { action: "project.rename", target: project.slug, outcome: "success", detail: { name } });
  return updated;
}

export async function deleteProject(deps: EngineDeps, actor: Actor, id: string) {
  const { db } = deps;
  const project = await db.project.findUnique({ where: { id }, include: { _count: { select: { workloads: true } } } });
  if (!project) throw notFound("project");
  if (project._count.workloads > 0) {
    throw badRequest(`Project ${project.slug} still has ${project._count.workloads} workload(s); delete them first`, {
      reason: "project-not-empty",
      params: { slug: project.slug, count: project._count.workloads },
    });
  }
  await db.$transaction([db.stage.deleteMany({ where: { projectId: id } }), db.project.delete({ where: { id } })]);
  await recordAudit(db, actor, { action: "project.delete", target: project.slug, outcome: "success" });
}

export async function listStages(deps: EngineDeps, _viewer: Actor, projectId: string) {
  const { db } = deps;
  return db.stage.findMany({ where: { projectId }, orderBy: { slug: "asc" } });
}

export async function createStage(deps: EngineDeps, actor: Actor, input: { projectId: string; slug: string; name?: string }) {
  const { db } = deps;
  const project = await db.project.findUnique({ where: { id: input.projectId } });
  if (!project) throw notFound("project");
  const existing = await db.stage.findUnique({ where: { projectId_slug: { projectId: project.id, slug: input.slug } } });
  if (existing) {
    throw conflict(`Stage ${input.slug} already exists in project ${project.slug}`, {
      reason: "stage-exists",
      params: { slug: input.slug, project: project.slug },
    });
  }
  const stage = await db.stage.create({ data: { projectId: project.id, slug: input.slug, name: input.name?.trim() || input.slug } });
  await recordAudit(db, actor, { action: "stage.create", target: `${project.slug}/${stage.slug}`, outcome: "success" });
  return stage;
}

export async function renameStage(deps: EngineDeps, actor: Actor, input: { id: string; name: string }) {
  const { db } = deps;
  const { id, name } = input;
  const stage = await db.stage.findUnique({ where: { id }, include: { project: true } });
  if (!stage) throw notFound("stage");
  const updated = await db.stage.update({ where: { id }, data: { name: name.trim() } });
  await recordAudit(db, actor, {
    action: "stage.rename",
    target: `${stage.project.slug}/${stage.slug}`,
    outcome: "success",
    detail: { name },
  });
  return updated;
}

export async function deleteStage(deps: EngineDeps, actor: Actor, id: string) {
  const { db } = deps;
  const stage = await db.stage.findUnique({ where: { id }, include: { project: true, _count: { select: { workloads: true } } } });
  if (!stage) throw notFound("stage");
  if (stage._count.workloads > 0) {
    throw badRequest(`Stage ${stage.slug} still has ${stage._count.workloads} workload(s); delete them first`, {
      reason: "stage-not-empty",
      params: { slug: stage.slug, count: stage._count.workloads },
    });
  }
  await db.stage.delete({ where: { id } });
  await recordAudit(db, actor, { action: "stage.delete", target: `${stage.project.slug}/${stage.slug}`, outcome: "success" });
}
