import type { ResourceIdAndType } from "../ids/parseResourceIdFast.js";

/** Which envelope the event arrived in. */
export type EventSchema = "EventGrid" | "CloudEvents";

/** Fields every decoded (handled) event has. */
interface DomainEventBase {
  /** Event Grid / CloudEvents `id`; the same id arrives again on redelivery, so use it to deduplicate. */
  readonly eventId: string;
  /** Event Grid `eventTime` / CloudEvents `time`. */
  readonly eventTime: Date;
  readonly schema: EventSchema;
}

/** The Key Vault key events the service reacts to (the `Microsoft.KeyVault.` prefix dropped). */
export type KeyVaultKeyEventKind = "KeyNewVersionCreated" | "KeyNearExpiry" | "KeyExpired";

/**
 * A Key Vault key event (`Microsoft.KeyVault.KeyNewVersionCreated`, `KeyNearExpiry`, `KeyExpired`).
 * KeyNewVersionCreated also fires for a brand-new key, not only for a new version of an existing one.
 */
export interface KeyVaultKeyEvent extends DomainEventBase {
  readonly kind: KeyVaultKeyEventKind;
  /** The vault's ARM id, from `topic` (CloudEvents `source`) when that is an ARM vault id. */
  readonly vaultArmId?: string | undefined;
  /** `data.VaultName`, or the first label of the key URI's host when absent. */
  readonly vaultName: string;
  /** `https://{host}` of the key URI, e.g. `https://kv-cmk.vault.azure.net` (no trailing slash). */
  readonly vaultUrl: string;
  readonly keyName: string;
  readonly version: string;
  /** Versioned key URI `https://{host}/keys/{name}/{version}`. */
  readonly keyId: string;
  /** From `data.NBF` (epoch seconds); undefined when absent or null. */
  readonly notBefore?: Date | undefined;
  /** From `data.EXP` (epoch seconds); undefined when absent or null. */
  readonly expiresOn?: Date | undefined;
  /** Event subject (the key name for Key Vault events); the key name when a CloudEvent has none. */
  readonly subject: string;
}

/** Who made an ARM call, read from the JWT claims Event Grid copies into `data.claims`. */
export interface ArmCaller {
  /**
   * `oid` / `http://schemas.microsoft.com/identity/claims/objectidentifier`, else
   * `authorization.evidence.principalId`.
   */
  readonly objectId?: string | undefined;
  /** `appid` (v1 tokens) or `azp` (v2 tokens). */
  readonly appId?: string | undefined;
}

/** Fields shared by the Azure subscription system topic's ARM operation events. */
interface ArmOperationEventBase extends DomainEventBase {
  /** `data.resourceUri`, else the event subject; always starts with `/subscriptions/`. */
  readonly resourceId: string;
  /**
   * `resourceId`'s id and type when it has the common shape (`parseResourceIdFast`), read
   * once by the decoder so triage does not scan the id again; undefined for any other id. Events
   * made by hand may leave it out: triage then reads the id itself.
   */
  readonly parsedResourceId?: ResourceIdAndType | undefined;
  /** e.g. `Microsoft.CognitiveServices/accounts/write`. */
  readonly operationName: string;
  /** e.g. `Succeeded`, when sent. */
  readonly status?: string | undefined;
  /** `data.subscriptionId`, else the subscription in `resourceId`. */
  readonly subscriptionId: string;
  readonly tenantId?: string | undefined;
  readonly correlationId?: string | undefined;
  readonly caller: ArmCaller;
  /** `data.resourceProvider`, else the namespace of `operationName`. */
  readonly resourceProvider: string;
}

/**
 * `Microsoft.Resources.ResourceWriteSuccess`. Carries no resource body: read the resource to evaluate it.
 * The service's own writes raise it too (compare `caller` with the service identity to avoid loops).
 */
export interface ResourceWriteEvent extends ArmOperationEventBase {
  readonly kind: "ResourceWriteSuccess";
}

/** `Microsoft.Resources.ResourceDeleteSuccess`. */
export interface ResourceDeleteEvent extends ArmOperationEventBase {
  readonly kind: "ResourceDeleteSuccess";
}

/**
 * The resource as Azure Resource Notifications sends it inline (`data.resourceInfo`). Its shape follows the
 * Resource Graph `resources` table, which may differ from an ARM GET (e.g. booleans sent as 1/0).
 */
export interface InlineArmResource {
  readonly id: string;
  readonly name: string;
  readonly type: string;
  readonly location?: string | undefined;
  readonly tags?: Readonly<Record<string, string>> | undefined;
  readonly properties?: Readonly<Record<string, unknown>> | undefined;
  readonly [extra: string]: unknown;
}

/**
 * `Microsoft.ResourceNotifications.Resources.CreatedOrUpdated` / `.Deleted` (Azure Resource Notifications).
 * CreatedOrUpdated carries the resource properties, so no read is needed; Deleted carries only id, name
 * and type.
 */
export interface ResourceNotificationEvent extends DomainEventBase {
  readonly kind: "ResourceCreatedOrUpdated" | "ResourceDeleted";
  /** `data.resourceInfo.id`, else the event subject. */
  readonly resourceId: string;
  readonly resource: InlineArmResource;
  /** API version of `resource.properties` (`data.apiVersion`), when sent. */
  readonly apiVersion?: string | undefined;
  readonly operationalInfo: {
    /** When the resource was written or deleted (`data.operationalInfo.resourceEventTime`). */
    readonly resourceEventTime?: Date | undefined;
  };
}

/**
 * `Microsoft.EventGrid.SubscriptionValidationEvent`: the handshake a webhook endpoint must answer with
 * `{"validationResponse": validationCode}` (or by GETting `validationUrl`).
 */
export interface SubscriptionValidationEvent extends DomainEventBase {
  readonly kind: "SubscriptionValidation";
  readonly validationCode: string;
  readonly validationUrl?: string | undefined;
}

/** A well-formed event the service does not act on (other event types, ARM operations out of scope). */
export interface IgnoredEvent {
  readonly kind: "Ignored";
  readonly eventId: string;
  readonly eventType: string;
  /** Why it is ignored, for logs. */
  readonly reason: string;
}

/** Every decoded event; switch on `kind`. */
export type DomainEvent =
  | KeyVaultKeyEvent
  | ResourceWriteEvent
  | ResourceDeleteEvent
  | ResourceNotificationEvent
  | SubscriptionValidationEvent
  | IgnoredEvent;
