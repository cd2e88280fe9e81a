/** Loader data in the API's wire format (dates as ISO strings), so pages and fetches share one set of types. */
export function wire<T>(value: unknown): T {
  return JSON.parse(JSON.stringify(value)) as T;
}
