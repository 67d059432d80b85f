import { ConfigError, type Config } from "./config.js";
import {
  detectionSettings,
  DetectionSettingsError,
  type DetectionSettings,
} from "../core/findings/detectionSettings.js";

const variableOf: Record<string, keyof Config> = {
  aiServicesKinds: "CMKR_AI_SERVICES_KINDS",
  aiServicesMode: "CMKR_AI_SERVICES_MODE",
  diskMode: "CMKR_DISK_MODE",
  desAutoRotation: "CMKR_DES_AUTO_ROTATION",
  enforceKeys: "CMKR_ENFORCE_KEYS",
  enforceDiskEncryptionSets: "CMKR_ENFORCE_DISK_ENCRYPTION_SETS",
  exclusionTag: "CMKR_EXCLUDE_TAG",
  excludedIdPatterns: "CMKR_EXCLUDE_ID_PATTERNS",
  keyExpiryWarningDays: "CMKR_KEY_EXPIRY_MARGIN_DAYS",
};

/**
 * The detection rules' settings from the configuration. A value the rules reject (an unversioned
 * enforce key, a wrong disk encryption set id) is reported as a {@link ConfigError} naming the
 * environment variable.
 */
export function detectionSettingsFromConfig(config: Config): DetectionSettings {
  const [tagName = "", ...rest] = config.CMKR_EXCLUDE_TAG.split("=");
  const tagValue = rest.join("=");
  try {
    return detectionSettings({
      aiServicesKinds: config.CMKR_AI_SERVICES_KINDS,
      aiServicesMode: config.CMKR_AI_SERVICES_MODE,
      diskMode: config.CMKR_DISK_MODE,
      desAutoRotation: config.CMKR_DES_AUTO_ROTATION,
      enforceKeys: config.CMKR_ENFORCE_KEYS,
      enforceDiskEncryptionSets: config.CMKR_ENFORCE_DISK_ENCRYPTION_SETS,
      exclusionTag: tagValue === "" ? { name: tagName } : { name: tagName, value: tagValue },
      excludedIdPatterns: config.CMKR_EXCLUDE_ID_PATTERNS,
      keyExpiryWarningDays: config.CMKR_KEY_EXPIRY_MARGIN_DAYS,
    });
  } catch (error) {
    if (error instanceof DetectionSettingsError) {
      const field = error.field.split(/[.[]/)[0] ?? error.field;
      throw new ConfigError(variableOf[field] ?? field, `${error.field}: ${error.problem}`);
    }
    throw error;
  }
}
