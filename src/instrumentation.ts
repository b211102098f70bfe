// Runs once when the server boots, before it serves requests.
export async function register() {
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  const { runStartupTasks } = await import("./server/startup");
  await runStartupTasks();
}
