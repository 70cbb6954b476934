import { Pool, type PoolOptions } from './pool.js';
import { POOL_OPTION_NAMES } from './pool/options.js';
import { optionNames } from './option-names.js';
import type { AffinityOptions } from './affinity.js';
import { string, type Codec } from './codec.js';
import { validateConfig, type JobsConfig } from './options.js';
import * as v from './commands/validate.js';
// A cycle on purpose: jobs.ts re-exports connect(), and connect() needs Jobs only when called.
import { Jobs } from './jobs.js';

/**
 * Options of {@link connect}: the pool's, plus the codec and the handle's defaults.
 *
 * @example
 * ```ts
 * const jobs = connect({
 *   nodes: 'disque-1:7711,disque-2:7711',
 *   codec: json<{ to: string }>(),
 *   defaults: { retry: 60_000, replicate: 2 },
 *   affinity: { window: 200 },
 * });
 * ```
 */
export interface ConnectOptions<T> extends PoolOptions {
  /** How bodies are written and read. @defaultValue string() — UTF-8 strings */
  codec?: Codec<T> | undefined;
  /** Defaults of the handle (see {@link JobsConfig}). */
  defaults?: JobsConfig | undefined;
  /** Node affinity of this handle's consumers. */
  affinity?: AffinityOptions | undefined;
}

/** Every option of {@link connect}: the pool's and its own (the compiler checks the list). */
export const CONNECT_OPTION_NAMES: readonly string[] = [
  ...POOL_OPTION_NAMES,
  ...optionNames<Omit<ConnectOptions<unknown>, keyof PoolOptions>>({
    codec: true,
    defaults: true,
    affinity: true,
  }),
];

/**
 * Opens a {@link Jobs} handle on a new {@link Pool} (nodes from `options.nodes` or `DISQUE_NODES`).
 * The pool connects on first use.
 *
 * @example
 * ```ts
 * const jobs = connect();                                  // string bodies
 * const typed = connect({ codec: json<{ n: number }>() }); // JSON bodies
 * ```
 */
export function connect(options?: ConnectOptions<string> & { codec?: undefined }): Jobs<string>;
export function connect<T>(options: ConnectOptions<T> & { codec: Codec<T> }): Jobs<T>;
export function connect<T>(options: ConnectOptions<T> = {}): Jobs<T> {
  v.options('options', options, CONNECT_OPTION_NAMES);
  const { codec, defaults, affinity, ...poolOptions } = options;
  const config = validateConfig(defaults, 'options.defaults');
  return Jobs.create<T>(new Pool(poolOptions), codec ?? (string() as unknown as Codec<T>), config, affinity);
}
