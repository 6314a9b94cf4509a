/** The limits of a webhook body, each declared here once (the DTOs, the parse and the docs use these). */

/** Characters of any string: a field, an entity value, a metadata key or value. */
export const MAX_STRING = 10_000;
/** Characters of an entity name. */
export const MAX_ENTITY_NAME = 200;
/** Deeper bodies are refused: validation recurses, and a few KB of brackets must not reach it. */
export const MAX_JSON_DEPTH = 32;
/**
 * More values are refused: validating and copying tens of thousands of tiny values (a 176 KB body
 * of empty arrays) would hold the event loop for hundreds of milliseconds.
 */
export const MAX_JSON_VALUES = 10_000;
/** Problems of one free-form object listed as messages of their own; the last one counts the rest. */
export const MAX_LISTED_PROBLEMS = 25;
/** Characters of an event id (Idempotency-Key, X-Cognigy-Event-Id, an endpoint output's traceId). */
export const MAX_EVENT_ID = 200;
/**
 * Visible ASCII only: the id travels in the CRM's Idempotency-Key header, where other characters
 * would be dropped or rejected and two different ids could end up as one key.
 */
export const EVENT_ID_PATTERN = /^[\x21-\x7e]+$/;
