import { inspect } from 'node:util';
import { Pool } from '../../src/pool.js';
import * as C from '../../src/commands/index.js';
import { AuthError, DisqueError, NoNodeAvailableError } from '../../src/errors.js';
import { startServer } from '../../src/server/index.js';
import { embeddedServer } from '../helpers/target.js';

embeddedServer('needs a node with requirepass');

// A password-protected node: the embedded server, or DISQUE_AUTH_NODE=password@host:port for a
// real Disque started with --requirepass.
async function protectedNode(): Promise<{ seed: string; password: string; close: () => Promise<void> }> {
  const real = process.env['DISQUE_AUTH_NODE'];
  if (real) {
    const [password, seed] = real.split('@') as [string, string];
    return { seed, password, close: async () => undefined };
  }
  const server = await startServer({ port: 0, password: 'hunter2-secret' });
  return { seed: `127.0.0.1:${server.port}`, password: 'hunter2-secret', close: () => server.close() };
}

describe('Pool - AUTH', () => {
  test('the password reaches every connection, shared and exclusive', async () => {
    const node = await protectedNode();
    const pool = new Pool({ nodes: node.seed, password: node.password });
    try {
      const q = `auth-${Date.now()}`;
      const id = await pool.run(C.ADDJOB, [q, 'x', { replicate: 1 }]);
      const jobs = await pool.getJob([q], { timeout: 1000 });
      expect(jobs.map((j) => j.id)).toEqual([id]);
      await pool.runByJob(C.ACKJOB, [id]);
      expect(inspect(pool)).not.toContain(node.password);
    } finally {
      await pool.close();
      await node.close();
    }
  });

  test('a wrong password is a typed error that never shows the password', async () => {
    const node = await protectedNode();
    const pool = new Pool({ nodes: node.seed, password: 'wrong-password-xyz', retries: 0 });
    try {
      const err = await pool.ready().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(DisqueError);
      expect(err instanceof NoNodeAvailableError || err instanceof AuthError).toBe(true);
      expect(String((err as Error).message)).not.toContain('wrong-password-xyz');
      expect(String((err as Error).message)).not.toContain(node.password);
    } finally {
      await pool.close();
      await node.close();
    }
  });
});
