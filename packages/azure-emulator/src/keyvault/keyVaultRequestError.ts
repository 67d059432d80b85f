import { keyVaultError } from "../armError.js";
import type { EmulatorResponse } from "../emulatorTypes.js";

/**
 * A request the Key Vault data plane refuses. Thrown by the request parsers and turned into the
 * service's error body (`{"error": {"code", "message"}}`) by the handler, so parsers stay plain
 * functions that return values.
 */
export class KeyVaultRequestError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = "KeyVaultRequestError";
  }

  /** The HTTP answer Key Vault gives for this error. */
  toResponse(): EmulatorResponse {
    return keyVaultError(this.status, this.code, this.message);
  }
}

/** 400 `BadParameter`, Key Vault's answer to a malformed request. */
export function badParameter(message: string): KeyVaultRequestError {
  return new KeyVaultRequestError(400, "BadParameter", message);
}
