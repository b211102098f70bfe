import { env } from "~/env";
import { checkDockerEngine, createDockerClient } from "./client";

// One engine connection per server process, from DOCKER_HOST or the default socket.
const client = createDockerClient(env.DOCKER_HOST);

export const dockerEngine = {
  client,
  probe: () => checkDockerEngine(client),
};
