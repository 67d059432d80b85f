import { z } from "zod";
import { ArmFactsError, parseArmBody } from "../arm/armFactsError.js";
import type { ConsumerFacts } from "../keyStores/keyFacts.js";
import { consumerRuleFor } from "./registry.js";

/**
 * Maps the GET body of a key consumer (any type of the registry with a consumer rule) to
 * {@link ConsumerFacts}. Throws {@link ArmFactsError} (`ArmFactsUnsupportedType`) for any other type,
 * and (`ArmFactsInvalid`) naming the field when a field the service relies on is malformed.
 */
export function consumerFactsFromArm(resource: unknown): ConsumerFacts {
  const head = parseArmBody(z.looseObject({ id: z.string().min(1), type: z.string().min(1) }), resource);
  const rule = consumerRuleFor(head.type);
  if (rule === undefined) {
    throw new ArmFactsError(
      "ArmFactsUnsupportedType",
      "type",
      `${head.type} does not consume Key Vault keys in a way this service rotates`,
      head.id,
    );
  }
  return rule.facts(resource);
}
