// The engine's view of a container engine; src/server/docker implements it with dockerode.

export interface ContainerSpec {
  name: string;
  image: string;
  command: string[];
  env: Record<string, string>;
  /** host-bind and named-volume binds in Docker's `source:target[:ro]` form */
  binds: string[];
  ports: { hostPort: number; containerPort: number; protocol: "tcp" | "udp" }[];
  restartPolicy: "no" | "always" | "unless-stopped" | "on-failure";
  labels: Record<string, string>;
}

export type ContainerState =
  | { state: "running"; startedAt: string }
  | { state: "exited"; exitCode: number; finishedAt: string }
  | { state: "created" | "paused" | "restarting" | "removing" | "dead" }
  | { state: "missing" }
  | { state: "unreachable"; reason: string };

export interface ContainerRuntime {
  /** Makes the image available locally, pulling it if needed; throws a user-readable Error on failure. */
  ensureImage(image: string): Promise<void>;
  /** Removes any container with this name, then creates and starts a new one. */
  recreate(spec: ContainerSpec): Promise<{ id: string }>;
  start(name: string): Promise<void>;
  /** Stops if running; a missing container is not an error. */
  stop(name: string): Promise<void>;
  /** Removes if present; a missing container is not an error. */
  remove(name: string): Promise<void>;
  inspect(name: string): Promise<ContainerState>;
  logs(name: string, tail: number): Promise<string>;
}
