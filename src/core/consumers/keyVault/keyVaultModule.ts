import { stringField, type ArmResourceJson } from "../../arm/armResource.js";
import type { ContextNeed } from "../../findings/contextNeed.js";
import type { ResourceModule } from "../resourceModule.js";
import { evaluateKeyVault } from "./keyVaultFindings.js";

/** Only vaults holding a key in use are in scope, so judging one needs to know whether it does. */
function contextNeeds(resource: ArmResourceJson): ContextNeed[] {
  const uri = stringField(resource, "properties", "vaultUri");
  return uri === undefined ? [] : [{ kind: "vaultUse", vaultUrl: uri }];
}

/** Key vaults (`Microsoft.KeyVault/vaults`): the key store of customer-managed keys. */
export const keyVaultModule: ResourceModule = {
  resourceType: "Microsoft.KeyVault/vaults",
  displayName: "key vault",
  apiVersion: "2023-07-01",
  evaluate: evaluateKeyVault,
  contextNeeds,
};
