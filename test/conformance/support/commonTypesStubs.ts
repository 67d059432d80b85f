/**
 * Stand-ins for the `common-types` OpenAPI files the vendored specs `$ref` but the material does not
 * vendor (see material/README.md). Each holds only the definitions the vendored files reach, written
 * from the published common-types (resource-management v2-v6, compute v1) with the same property
 * names, types and `readOnly` marks; descriptions are left out. Where the real definition has more
 * members, `additionalProperties` is left open so a stub can never reject what the real one allows.
 * Keys are the files' paths in Azure/azure-rest-api-specs.
 */

const readOnlyString = { type: "string", readOnly: true };

const systemData = {
  type: "object",
  readOnly: true,
  properties: {
    createdBy: { type: "string" },
    createdByType: {
      type: "string",
      enum: ["User", "Application", "ManagedIdentity", "Key"],
      "x-ms-enum": { name: "createdByType", modelAsString: true },
    },
    createdAt: { type: "string", format: "date-time" },
    lastModifiedBy: { type: "string" },
    lastModifiedByType: {
      type: "string",
      enum: ["User", "Application", "ManagedIdentity", "Key"],
      "x-ms-enum": { name: "createdByType", modelAsString: true },
    },
    lastModifiedAt: { type: "string", format: "date-time" },
  },
};

const armResource = {
  type: "object",
  properties: {
    id: { ...readOnlyString, format: "arm-id" },
    name: readOnlyString,
    type: readOnlyString,
    systemData: { $ref: "#/definitions/systemData" },
  },
  "x-ms-azure-resource": true,
};

const errorDetail = {
  type: "object",
  properties: {
    code: readOnlyString,
    message: readOnlyString,
    target: readOnlyString,
    details: { type: "array", readOnly: true, items: { $ref: "#/definitions/ErrorDetail" } },
    additionalInfo: { type: "array", readOnly: true, items: { $ref: "#/definitions/ErrorAdditionalInfo" } },
  },
};

const errorDefinitions = {
  ErrorResponse: { type: "object", properties: { error: { $ref: "#/definitions/ErrorDetail" } } },
  ErrorDetail: errorDetail,
  ErrorAdditionalInfo: {
    type: "object",
    properties: { type: readOnlyString, info: { type: "object", readOnly: true } },
  },
};

const resourceManagementTypes = {
  swagger: "2.0",
  definitions: {
    Resource: armResource,
    TrackedResource: {
      type: "object",
      allOf: [{ $ref: "#/definitions/Resource" }],
      properties: {
        tags: { type: "object", additionalProperties: { type: "string" } },
        location: { type: "string" },
      },
      required: ["location"],
    },
    ProxyResource: { type: "object", allOf: [{ $ref: "#/definitions/Resource" }] },
    AzureEntityResource: {
      type: "object",
      allOf: [{ $ref: "#/definitions/Resource" }],
      properties: { etag: readOnlyString },
    },
    Sku: {
      type: "object",
      properties: {
        name: { type: "string" },
        tier: { type: "string", enum: ["Free", "Basic", "Standard", "Premium"] },
        size: { type: "string" },
        family: { type: "string" },
        capacity: { type: "integer", format: "int32" },
      },
      required: ["name"],
    },
    OperationListResult: {
      type: "object",
      properties: { value: { type: "array", readOnly: true }, nextLink: readOnlyString },
    },
    systemData,
    ...errorDefinitions,
  },
};

const managedServiceIdentity = {
  swagger: "2.0",
  definitions: {
    ManagedServiceIdentity: {
      type: "object",
      properties: {
        principalId: { ...readOnlyString, format: "uuid" },
        tenantId: { ...readOnlyString, format: "uuid" },
        type: {
          type: "string",
          enum: ["None", "SystemAssigned", "UserAssigned", "SystemAssigned,UserAssigned"],
          "x-ms-enum": { name: "ManagedServiceIdentityType", modelAsString: true },
        },
        userAssignedIdentities: {
          type: "object",
          additionalProperties: { $ref: "#/definitions/UserAssignedIdentity" },
        },
      },
      required: ["type"],
    },
    UserAssignedIdentity: {
      type: "object",
      properties: {
        principalId: { ...readOnlyString, format: "uuid" },
        clientId: { ...readOnlyString, format: "uuid" },
      },
    },
  },
};

const privateLinks = {
  swagger: "2.0",
  definitions: {
    PrivateEndpoint: { type: "object", properties: { id: readOnlyString } },
    PrivateEndpointConnectionProvisioningState: {
      type: "string",
      readOnly: true,
      enum: ["Succeeded", "Creating", "Deleting", "Failed"],
      "x-ms-enum": { name: "PrivateEndpointConnectionProvisioningState", modelAsString: true },
    },
    PrivateLinkServiceConnectionState: {
      type: "object",
      properties: {
        status: {
          type: "string",
          enum: ["Pending", "Approved", "Rejected"],
          "x-ms-enum": { name: "PrivateEndpointServiceConnectionStatus", modelAsString: true },
        },
        description: { type: "string" },
        actionsRequired: { type: "string" },
      },
    },
  },
};

const computeCommon = {
  swagger: "2.0",
  definitions: {
    Resource: {
      type: "object",
      properties: {
        id: readOnlyString,
        name: readOnlyString,
        type: readOnlyString,
        location: { type: "string", "x-ms-mutability": ["read", "create"] },
        tags: { type: "object", additionalProperties: { type: "string" } },
      },
      required: ["location"],
      "x-ms-azure-resource": true,
    },
    ApiError: {
      type: "object",
      properties: {
        details: { type: "array", items: { $ref: "#/definitions/ApiErrorBase" } },
        innererror: {
          type: "object",
          properties: { exceptiontype: { type: "string" }, errordetail: { type: "string" } },
        },
        code: { type: "string" },
        target: { type: "string" },
        message: { type: "string" },
      },
    },
    ApiErrorBase: {
      type: "object",
      properties: { code: { type: "string" }, target: { type: "string" }, message: { type: "string" } },
    },
    CloudError: {
      type: "object",
      properties: { error: { $ref: "#/definitions/ApiError" } },
      "x-ms-external": true,
    },
    ExtendedLocation: {
      type: "object",
      properties: {
        name: { type: "string" },
        type: {
          type: "string",
          enum: ["EdgeZone"],
          "x-ms-enum": { name: "ExtendedLocationTypes", modelAsString: true },
        },
      },
    },
    UserAssignedIdentities: {
      type: "object",
      additionalProperties: {
        type: "object",
        properties: { principalId: readOnlyString, clientId: readOnlyString },
      },
    },
  },
};

/** The stubs, by path in the specs repository. */
export const commonTypesStubs: Readonly<Record<string, object>> = {
  "specification/common-types/resource-management/v2/types.json": resourceManagementTypes,
  "specification/common-types/resource-management/v3/types.json": resourceManagementTypes,
  "specification/common-types/resource-management/v6/types.json": resourceManagementTypes,
  "specification/common-types/resource-management/v3/managedidentity.json": managedServiceIdentity,
  "specification/common-types/resource-management/v5/managedidentity.json": managedServiceIdentity,
  "specification/common-types/resource-management/v3/privatelinks.json": privateLinks,
  "specification/compute/resource-manager/Microsoft.Compute/common-types/v1/common.json": computeCommon,
};
