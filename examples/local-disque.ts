/**
 * Not an example itself: what every example uses to find Disque. With `DISQUE_NODES` set, those
 * nodes; otherwise an embedded Disque-compatible server (or cluster) started in this process on
 * free ports, so the examples run with nothing installed.
 */
import { startCluster } from '../src/server/index.js';

/** Where the example's Disque is, and how to stop it (a no-op for real nodes). */
export interface LocalDisque {
  /** `host:port,…`, for `connect({ nodes })`. */
  readonly nodes: string;
  /** True when an embedded server was started. */
  readonly embedded: boolean;
  close(): Promise<void>;
}

/** `DISQUE_NODES`, or an embedded cluster of `count` nodes (one by default). */
export async function localDisque(count = 1): Promise<LocalDisque> {
  const given = process.env['DISQUE_NODES'];
  if (given) return { nodes: given, embedded: false, close: async () => undefined };
  const cluster = await startCluster({ nodes: count });
  return {
    nodes: cluster.nodes.map((n) => `${n.host}:${n.port}`).join(','),
    embedded: true,
    close: () => cluster.close(),
  };
}

/** Whether this module is the script node was asked to run (`node …/name.js`). */
export function isMain(name: string): boolean {
  const script = process.argv[1] ?? '';
  return script.endsWith(`/${name}.js`) || script.endsWith(`/${name}.ts`);
}

/** Runs `main` when the example is the script node runs, setting the exit code on failure. */
export function runIfMain(name: string, main: () => Promise<unknown>): void {
  if (!isMain(name)) return;
  main().catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  });
}
