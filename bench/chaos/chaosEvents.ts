import type { ChaosKey, Random } from "./chaosTenant.js";
import { pick } from "./chaosTenant.js";

/** Event Grid schema events as Key Vault and ARM send them; bodies only, no transport. */

/** A Key Vault `KeyNewVersionCreated` event for one version. */
export function keyNewVersionEvent(
  id: string,
  key: ChaosKey,
  version: string,
  expiresOn: string | null,
): Record<string, unknown> {
  return {
    id,
    topic: key.vaultId,
    subject: key.keyName,
    eventType: "Microsoft.KeyVault.KeyNewVersionCreated",
    eventTime: "2026-11-22T11:59:00Z",
    dataVersion: "1",
    metadataVersion: "1",
    data: {
      Id: `${key.vaultUrl}/keys/${key.keyName}/${version}`,
      VaultName: key.vaultName,
      ObjectType: "Key",
      ObjectName: key.keyName,
      Version: version,
      NBF: null,
      EXP: expiresOn === null ? null : Math.floor(Date.parse(expiresOn) / 1000),
    },
  };
}

/** An ARM `ResourceWriteSuccess` event for a write by `callerObjectId`. */
export function armWriteEvent(
  id: string,
  resourceId: string,
  resourceType: string,
  subscriptionId: string,
  tenantId: string,
  callerObjectId: string,
): Record<string, unknown> {
  const provider = resourceType.split("/")[0] ?? resourceType;
  return {
    id,
    topic: `/subscriptions/${subscriptionId}`,
    subject: resourceId,
    eventType: "Microsoft.Resources.ResourceWriteSuccess",
    eventTime: "2026-11-22T11:58:00Z",
    dataVersion: "2",
    metadataVersion: "1",
    data: {
      authorization: {
        scope: resourceId,
        action: `${resourceType}/write`,
        evidence: {
          role: "Contributor",
          principalId: callerObjectId.replace(/-/g, ""),
          principalType: "User",
        },
      },
      claims: {
        aud: "https://management.core.windows.net/",
        "http://schemas.microsoft.com/identity/claims/objectidentifier": callerObjectId,
        "http://schemas.microsoft.com/identity/claims/tenantid": tenantId,
      },
      correlationId: id,
      resourceProvider: provider,
      resourceUri: resourceId,
      operationName: `${resourceType}/write`,
      status: "Succeeded",
      subscriptionId,
      tenantId,
    },
  };
}

/**
 * A well-formed event the service must ignore: another event type on a shared topic, a write to
 * a resource type out of scope, a delete of an unrelated resource, or a new version of a key
 * nobody uses.
 */
export function noiseEvent(
  id: string,
  random: Random,
  keys: readonly ChaosKey[],
  subscriptionId: string,
  tenantId: string,
): Record<string, unknown> {
  const key = pick(random, keys);
  const siteId = `/subscriptions/${subscriptionId}/resourceGroups/rg-web/providers/Microsoft.Web/sites/app-${id.slice(0, 6)}`;
  switch (pick(random, ["blob", "secret", "site", "delete", "otherKey"] as const)) {
    case "blob":
      return {
        id,
        topic: `/subscriptions/${subscriptionId}/resourceGroups/rg-data/providers/Microsoft.Storage/storageAccounts/stdata`,
        subject: "/blobServices/default/containers/logs/blobs/app.log",
        eventType: "Microsoft.Storage.BlobCreated",
        eventTime: "2026-11-22T11:57:00Z",
        dataVersion: "1",
        metadataVersion: "1",
        data: { api: "PutBlob", contentType: "text/plain", contentLength: 512, blobType: "BlockBlob" },
      };
    case "secret":
      return {
        id,
        topic: key.vaultId,
        subject: "db-password",
        eventType: "Microsoft.KeyVault.SecretNewVersionCreated",
        eventTime: "2026-11-22T11:57:00Z",
        dataVersion: "1",
        metadataVersion: "1",
        data: {
          Id: `${key.vaultUrl}/secrets/db-password/${id.replace(/-/g, "")}`,
          VaultName: key.vaultName,
          ObjectType: "Secret",
          ObjectName: "db-password",
          Version: id.replace(/-/g, ""),
          NBF: null,
          EXP: null,
        },
      };
    case "site":
      return armWriteEvent(id, siteId, "Microsoft.Web/sites", subscriptionId, tenantId, id);
    case "delete": {
      const event = armWriteEvent(id, siteId, "Microsoft.Web/sites", subscriptionId, tenantId, id);
      const data = event.data as Record<string, unknown>;
      return {
        ...event,
        eventType: "Microsoft.Resources.ResourceDeleteSuccess",
        data: { ...data, operationName: "Microsoft.Web/sites/delete" },
      };
    }
    case "otherKey":
      return keyNewVersionEvent(id, { ...key, keyName: "unused-key" }, id.replace(/-/g, ""), null);
  }
}

/** A delivery that must be rejected with typed errors: what it is and how many events it holds. */
export interface MalformedDelivery {
  /** Text for the HTTP entry point, or a parsed event for the Event Grid trigger. */
  body: string | Record<string, unknown>;
  /** Events (or whole deliveries) the decoder must reject. */
  rejected: number;
  /** Well-formed events travelling in the same batch, which must still be handled. */
  accepted: number;
}

/**
 * A malformed delivery, built from a real event: JSON cut short, an empty body, a bare number, a
 * field of the wrong type, a missing field, or a batch where one event of several is broken.
 */
export function malformedDelivery(random: Random, valid: Record<string, unknown>): MalformedDelivery {
  const data = (valid.data ?? {}) as Record<string, unknown>;
  switch (pick(random, ["truncated", "empty", "number", "wrongType", "missing", "mixedBatch"] as const)) {
    case "truncated": {
      const text = JSON.stringify([valid]);
      return {
        body: text.slice(0, Math.max(5, Math.floor(text.length * random()))),
        rejected: 1,
        accepted: 0,
      };
    }
    case "empty":
      return { body: "", rejected: 1, accepted: 0 };
    case "number":
      return { body: "42", rejected: 1, accepted: 0 };
    case "wrongType":
      return {
        body: { ...valid, data: { ...data, Version: 42, operationName: 7 } },
        rejected: 1,
        accepted: 0,
      };
    case "missing": {
      const { eventType: _eventType, ...rest } = valid;
      return { body: random() < 0.5 ? rest : { ...valid, data: "not an object" }, rejected: 1, accepted: 0 };
    }
    case "mixedBatch": {
      const { subject: _subject, id: _id, ...broken } = valid;
      return { body: JSON.stringify([broken, valid]), rejected: 1, accepted: 1 };
    }
  }
}

/** An ARM `ResourceDeleteSuccess` event for a delete by `callerObjectId`. */
export function armDeleteEvent(
  id: string,
  resourceId: string,
  resourceType: string,
  subscriptionId: string,
  tenantId: string,
  callerObjectId: string,
): Record<string, unknown> {
  const event = armWriteEvent(id, resourceId, resourceType, subscriptionId, tenantId, callerObjectId);
  const data = event.data as Record<string, unknown>;
  return {
    ...event,
    eventType: "Microsoft.Resources.ResourceDeleteSuccess",
    data: {
      ...data,
      authorization: { ...(data.authorization as Record<string, unknown>), action: `${resourceType}/delete` },
      operationName: `${resourceType}/delete`,
    },
  };
}
