#!/usr/bin/env node
// The `berth` command: runs the TypeScript CLI through tsx, so it shares the engine code as-is.
import { register } from "tsx/esm/api";

register({ tsconfig: new URL("../tsconfig.json", import.meta.url).pathname });
await import("../src/cli/main.ts");
