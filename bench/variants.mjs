// The clients a benchmark compares, behind one small interface:
//   add(queue, body, replicate?)  → job id
//   getAck(queue)                 → GETJOB NOHANG of one job then ACKJOB of it (false when empty)
//   close()
// `raw` is the baseline (bench/raw-client.mjs); `thunk-disque` and `disqueue-node` are the other
// npm clients (bench devDependencies, loaded only for --compare).
import { createRequire } from 'node:module';
import { Connection } from '../dist/esm/index.js';
import { RawClient } from './raw-client.mjs';

const require = createRequire(import.meta.url);
const replicateArgs = (replicate) => (replicate === undefined ? [] : ['REPLICATE', String(replicate)]);

export async function rawVariant(host, port) {
  const raw = await RawClient.connect(host, port);
  return {
    raw,
    add: (q, body, replicate) => raw.send('ADDJOB', q, body, '0', ...replicateArgs(replicate)),
    getAck: async (q) => {
      const got = await raw.send('GETJOB', 'NOHANG', 'FROM', q);
      if (!got) return false;
      await raw.send('ACKJOB', got[0][1]);
      return true;
    },
    close: () => raw.close(),
  };
}

export function connectionVariant(host, port) {
  const conn = new Connection({ host, port });
  return {
    conn,
    add: (q, body, replicate) => conn.addJob(q, body, replicate === undefined ? {} : { replicate }),
    getAck: async (q) => {
      const [job] = await conn.getJob([q], { nohang: true });
      if (!job) return false;
      await conn.ackJob(job.id);
      return true;
    },
    close: () => conn.close(),
  };
}

export async function thunkVariant(host, port) {
  const thunk = require('thunk-disque');
  const client = thunk.createClient([`${host}:${port}`], { usePromise: true });
  await client.ping();
  return {
    add: (q, body, replicate) => client.addjob(q, body, 0, ...replicateArgs(replicate)),
    getAck: async (q) => {
      const got = await client.getjob('NOHANG', 'FROM', q);
      if (!got) return false;
      await client.ackjob(got[0][1]);
      return true;
    },
    close: () => client.clientEnd(),
  };
}

export async function disqueueVariant(host, port) {
  const Disqueue = require('disqueue-node');
  const client = new Disqueue({ host, port });
  await new Promise((resolve, reject) => {
    client.once('connected', resolve);
    client.once('error', reject);
  });
  const call = (method, arg) =>
    new Promise((resolve, reject) =>
      client[method](arg, (err, reply) => (err ? reject(err) : resolve(reply))),
    );
  return {
    add: (q, body, replicate) =>
      call('addJob', { queue: q, job: body, timeout: 0, ...(replicate === undefined ? {} : { replicate }) }),
    getAck: async (q) => {
      const got = await call('getJob', { queue: q, nohang: true, count: 1 }); // its default COUNT is 10
      if (!got || got.length === 0) return false;
      // disqueue-node 2.0.2's ackJob sends an id array as one argument (BADID): pass the string.
      await call('ackJob', got[0].jobId);
      return true;
    },
    // quit() makes disqueue-node 2.0.2 crash on the reply it does not expect.
    close: () => client.redisClient.end(true),
  };
}

/** The --compare clients, or a clear message when the devDependencies are missing. */
export async function compareVariants(host, port) {
  try {
    return {
      'thunk-disque': await thunkVariant(host, port),
      'disqueue-node': await disqueueVariant(host, port),
    };
  } catch (err) {
    throw new Error(
      `--compare needs the devDependencies thunk-disque and disqueue-node (npm install): ${err.message}`,
    );
  }
}
