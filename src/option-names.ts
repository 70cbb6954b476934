/**
 * Option names, checked by the compiler against the options' interface: an option added to the
 * interface and not listed here fails to compile, so an "unknown option" error always lists every
 * option there is.
 * @internal
 * @module
 */
import { ArgumentError } from './errors.js';

/**
 * The names of an options interface, given as a record with every key of `T` (the compiler
 * refuses a missing or an extra one).
 * @internal
 */
export function optionNames<T>(names: { readonly [K in keyof T]-?: true }): readonly string[] {
  return Object.keys(names);
}

/**
 * Refuses a key of `options` that is not in `names`, naming every valid option.
 * @throws {@link ArgumentError} `options.<key>`
 * @internal
 */
export function refuseUnknownOptions(options: object, names: readonly string[]): void {
  for (const key of Object.keys(options))
    if (!names.includes(key))
      throw new ArgumentError(
        `options.${key}`,
        `Unknown option \`${key}\`; expected one of ${names.join(', ')}`,
      );
}
