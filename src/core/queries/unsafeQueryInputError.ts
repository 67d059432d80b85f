/** A key reference that cannot be put into a query safely. */
export class UnsafeQueryInputError extends Error {
  readonly code = "UnsafeQueryInput";
  constructor(
    readonly field: string,
    value: string,
  ) {
    super(
      `${field} ${JSON.stringify(value)} is not a valid Key Vault ${field === "keyName" ? "key name" : "host"}`,
    );
    this.name = "UnsafeQueryInputError";
  }
}
