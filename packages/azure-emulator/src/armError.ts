import { jsonResponse, type EmulatorResponse } from "./emulatorTypes.js";

/**
 * An error answer in ARM's shape: `{"error": {"code", "message"}}`, the body the Azure SDK turns
 * into a `RestError` with `code` and `statusCode`.
 */
export function armError(
  status: number,
  code: string,
  message: string,
  headers: Record<string, string> = {},
): EmulatorResponse {
  return jsonResponse(status, { error: { code, message } }, headers);
}

/** Key Vault data-plane errors use the same envelope as ARM. */
export const keyVaultError = armError;
