/**
 * An OData string literal in a key segment, `(<key>='<id>')`: `'` doubled, then percent-encoded
 * for a URL. An OData connector's upsert URL and a mapping's `@odata.bind` both use it, so a
 * bind finds a row exactly as the upsert that wrote it addressed it.
 */
export const odataKeyLiteral = (id: string) => `'${encodeURIComponent(id.replace(/'/g, "''"))}'`;
