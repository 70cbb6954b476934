/**
 * Option names, checked by the compiler against the options' interface: an option added to the
 * interface and not listed here fails to compile, so an "unknown option" error always lists every
 * option there is (the error itself comes from `options()` in `src/commands/validate.ts`).
 * @internal
 * @module
 */

/**
 * The names of an options interface, given as a record with every key of `T` (the compiler
 * refuses a missing or an extra one).
 * @internal
 */
export function optionNames<T>(names: { readonly [K in keyof T]-?: true }): readonly string[] {
  return Object.keys(names);
}
