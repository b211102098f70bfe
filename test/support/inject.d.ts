// Values provided by test/support/global-setup.ts (read them with `inject()` from "vitest").
import "vitest";

declare module "vitest" {
  export interface ProvidedContext {
    /** unix:// address of the private test Docker engine. */
    dockerHost: string;
    /** Image available on that engine without a registry ("berth-test/busybox:latest"). */
    testImage: string;
  }
}
