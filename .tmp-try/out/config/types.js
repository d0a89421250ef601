/**
 * The resolved configuration the runtime reads: durations in milliseconds, defaults filled,
 * `${env:NAME}` references substituted. The YAML schema (schema.ts) and loader (load.ts)
 * produce exactly this shape; the runtime never sees raw YAML.
 */
export {};
//# sourceMappingURL=types.js.map