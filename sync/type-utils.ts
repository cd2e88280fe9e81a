/**
 * Node types are loose (`[key: string]: unknown` for fields from newer clients), and the
 * built-in `Omit`/`Pick` lose every named field on such types; these mapped types keep them.
 */
export type Known<T> = { [K in keyof T as string extends K ? never : K]: T[K] };

export type Without<T, Keys extends PropertyKey> = { [K in keyof T as K extends Keys ? never : K]: T[K] };
