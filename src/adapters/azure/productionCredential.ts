import type { TokenCredential } from "@azure/core-auth";

/**
 * The credential used against Azure: `DefaultAzureCredential`, which is the managed identity in the
 * Functions app (client id from `AZURE_CLIENT_ID` for a user-assigned identity) and the developer's
 * Azure CLI / VS Code sign-in on a workstation. Loaded lazily so tests never import it.
 */
export async function createProductionCredential(
  env: NodeJS.ProcessEnv = process.env,
): Promise<TokenCredential> {
  const { DefaultAzureCredential } = await import("@azure/identity");
  const clientId = env.AZURE_CLIENT_ID;
  return new DefaultAzureCredential(
    clientId === undefined || clientId === "" ? {} : { managedIdentityClientId: clientId },
  );
}
