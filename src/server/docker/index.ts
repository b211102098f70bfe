// Public entry of the Docker adapter seam. Deliberately does not re-export ./instance
// (which reads the validated server env): import that explicitly where a process-wide
// client is wanted.
export * from "./client";
