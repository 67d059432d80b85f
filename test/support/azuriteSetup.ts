import type { TestProject } from "vitest/node";
import { startAzurite } from "@cmkr/azure-emulator";

declare module "vitest" {
  export interface ProvidedContext {
    azuriteConnectionString: string;
  }
}

/** One in-memory Azurite for the whole test run (vitest globalSetup). */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const azurite = await startAzurite();
  project.provide("azuriteConnectionString", azurite.connectionString);
  return () => azurite.stop();
}
