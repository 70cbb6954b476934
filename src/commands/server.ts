import type { Arg, Command } from './types.js';
import type { RawReply } from '../replies.js';
import { asArray, asInteger, asString, unexpected } from '../replies.js';
import * as v from './validate.js';
import { ArgumentError } from '../errors.js';

/**
 * A node as HELLO lists it.
 *
 * @example
 * ```ts
 * for (const n of (await conn.hello()).nodes) console.log(n.id.slice(0, 8), `${n.host}:${n.port}`, n.priority);
 * ```
 */
export interface HelloNode {
  /** The node id (40 hex characters). */
  readonly id: string;
  /** Its address as the cluster knows it; `''` for a node that has not met any other. */
  readonly host: string;
  /** Its port. */
  readonly port: number;
  /** Its priority: lower is better (1 healthy, 5 no link, 10 possibly failing, 100 failed or leaving). */
  readonly priority: number;
}

/**
 * The reply of HELLO: who this node is and every node it knows, itself included.
 *
 * @example
 * ```ts
 * const hello: Hello = await conn.hello();
 * const usable = hello.nodes.filter((n) => n.priority < 100 && n.id !== hello.nodeId);
 * ```
 */
export interface Hello {
  /** The HELLO format version (1). */
  readonly version: number;
  /** This node's id. */
  readonly nodeId: string;
  /** Every known node, this one included. */
  readonly nodes: readonly HelloNode[];
}

/**
 * `HELLO` → this node's id and the cluster's nodes with their priorities.
 *
 * @example
 * ```ts
 * const { nodeId, nodes } = await conn.run(HELLO);
 * ```
 */
export const HELLO = {
  name: 'HELLO',
  binary: false,
  args(): Arg[] {
    return ['HELLO'];
  },
  reply(raw: RawReply): Hello {
    const [version, nodeId, ...entries] = asArray(raw);
    if (version === undefined || nodeId === undefined) return unexpected('[version, id, nodes…]', raw);
    return {
      version: asInteger(version),
      nodeId: asString(nodeId),
      nodes: entries.map((entry) => {
        const [id, host, port, priority] = asArray(entry);
        if (priority === undefined || id === undefined || host === undefined || port === undefined)
          return unexpected('[id, ip, port, priority]', entry);
        return {
          id: asString(id),
          host: asString(host),
          port: asInteger(port),
          priority: asInteger(priority),
        };
      }),
    };
  },
} as const satisfies Command<[], Hello>;

/**
 * INFO parsed: section name (lower case) → field → value, all as sent.
 *
 * @example
 * ```ts
 * const info: Info = await conn.info();
 * const jobs = Number(info['jobs']?.['registered_jobs'] ?? 0);
 * ```
 */
export type Info = Record<string, Record<string, string>>;

/** Parses INFO-style text (`# Section` headers and `key:value` lines). @internal */
export function parseInfo(text: string): Info {
  const info: Info = {};
  let section: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    if (line.startsWith('# ')) {
      section = {};
      info[line.slice(2).trim().toLowerCase()] = section;
    } else {
      const colon = line.indexOf(':');
      if (colon > 0) section[line.slice(0, colon)] = line.slice(colon + 1);
    }
  }
  return info;
}

/**
 * `INFO [section]` → the server's report, parsed into sections (`info.server.disque_version`).
 * `section` may be `all`, `default` or a section name.
 *
 * @example
 * ```ts
 * const info = await conn.run(INFO, 'server');
 * info['server']?.['disque_version']; // '1.0-rc1'
 * ```
 */
export const INFO = {
  name: 'INFO',
  binary: false,
  args(section?: string): Arg[] {
    if (section === undefined) return ['INFO'];
    if (typeof section !== 'string' || section.length === 0) v.fail('section', 'a section name', section);
    return ['INFO', section];
  },
  reply(raw: RawReply): Info {
    return parseInfo(asString(raw));
  },
} as const satisfies Command<[string?], Info>;

/**
 * `PING [message]` → `'PONG'`, or the message.
 *
 * @example
 * ```ts
 * await conn.run(PING); // 'PONG'
 * await conn.run(PING, 'hi'); // 'hi'
 * ```
 */
export const PING = {
  name: 'PING',
  binary: false,
  args(message?: string): Arg[] {
    if (message === undefined) return ['PING'];
    if (typeof message !== 'string') v.fail('message', 'a string', message);
    return ['PING', message];
  },
  reply(raw: RawReply): string {
    return asString(raw);
  },
} as const satisfies Command<[string?], string>;

/**
 * `AUTH password` → `'OK'`. A wrong password logs the connection out.
 *
 * @example
 * ```ts
 * await conn.run(AUTH, process.env.DISQUE_PASSWORD ?? ''); // 'OK'; prefer the `password` option
 * ```
 */
export const AUTH = {
  name: 'AUTH',
  binary: false,
  args(password: string): Arg[] {
    if (typeof password !== 'string' || password.length === 0)
      // The value itself is never shown: it is a password.
      throw new ArgumentError('password', 'Expected `password` to be a non-empty string');
    return ['AUTH', password];
  },
  reply(raw: RawReply): string {
    return asString(raw);
  },
} as const satisfies Command<[string], string>;
