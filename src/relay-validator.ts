import type { JsonSchemaValidator, jsonSchemaValidator } from "@modelcontextprotocol/sdk/validation/types.js";

/**
 * The JSON Schema validator handed to every SDK `Server` (one per client session) and `Client` (one per
 * backend). The gateway relays tool results and elicitation answers untouched, and the client or backend
 * at the far end validates them; the SDK's default would instead build an Ajv instance (its meta-schemas
 * compiled) for each session and each backend, costing memory and start-up time for checks the gateway
 * never makes.
 */
export const RELAY_VALIDATOR: jsonSchemaValidator = {
  getValidator<T>(): JsonSchemaValidator<T> {
    return (input) => ({ valid: true, data: input as T, errorMessage: undefined });
  },
};
