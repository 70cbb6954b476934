/**
 * The shape of a command implementation.
 * @internal
 */
import type { Client } from '../client.js';
import type { DisqueNode } from '../node.js';
import type { Reply } from '../resp-writer.js';

/** Returned by a command that blocked its client; the reply comes later. @internal */
export const BLOCKED: unique symbol = Symbol('blocked');

/** @internal */
export interface CommandContext {
  readonly node: DisqueNode;
  readonly client: Client;
  /** Arguments including the command name, binary safe. */
  readonly argv: readonly Buffer[];
}

/** Disque command table flags (COMMAND INFO): w r m a l F → write readonly denyoom admin loading fast. @internal */
export type CommandFlag = 'write' | 'readonly' | 'denyoom' | 'admin' | 'loading' | 'fast';

/** @internal */
export interface CommandSpec {
  /** Lowercase table name (used in arity errors). */
  readonly name: string;
  /** Redis convention: positive = exact argc, negative = minimum argc. */
  readonly arity: number;
  readonly flags: readonly CommandFlag[];
  run(ctx: CommandContext): Reply | typeof BLOCKED;
}
