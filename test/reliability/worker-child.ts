/**
 * A worker process for the worker-kill suite, run with `node register-ts.cjs worker-child.ts`:
 *   worker-child.ts <nodes> <queue> <prefetch> <concurrency> <finishAtOnce>
 * It consumes <queue> with a Funnel; the first <finishAtOnce> jobs finish at once (acked), the
 * next ones are held until SIGTERM. On SIGTERM it lets half the held jobs finish, calls
 * `funnel.close()` (which NACKs the rest after its timeout) and exits. Every event goes to stdout
 * as one JSON line: `ready` (with the funnel's stats), `ack` (id, body), `closed` (stats).
 */
import { connect } from '../../src/jobs.js';

const [nodes = '', queue = '', prefetchText = '500', concurrencyText = '16', finishText = '0'] =
  process.argv.slice(2);
const prefetch = Number(prefetchText);
const concurrency = Number(concurrencyText);
const finishAtOnce = Number(finishText);

const send = (message: Record<string, unknown>): void => {
  process.stdout.write(`${JSON.stringify(message)}\n`);
};

const jobs = connect({ nodes, discover: false });
const funnel = jobs.funnel(queue, { prefetch, closeTimeout: 1500 });
funnel.on('ack', (job) => send({ event: 'ack', id: job.id, body: job.body }));
funnel.on('error', (error) => send({ event: 'error', error: String(error) }));

let release: () => void = () => undefined;
const released = new Promise<void>((resolve) => (release = resolve));
let started = 0;

const done = funnel.process(
  async () => {
    const n = ++started;
    if (n <= finishAtOnce) return;
    await released;
    // Half the jobs in hand finish once asked to stop; the other half overrun close()'s timeout.
    if (n % 2 === 0) return;
    await new Promise(() => undefined);
  },
  { concurrency },
);

const readiness = setInterval(() => {
  const stats = funnel.stats;
  if (stats.acked === finishAtOnce && stats.inHand === concurrency && stats.buffered > 0) {
    clearInterval(readiness);
    send({ event: 'ready', stats });
  }
}, 20);

process.once('SIGTERM', () => {
  release();
  void (async () => {
    await funnel.close();
    // process() resolves only once every handler has returned, and half of them never do: close()
    // has NACKed their jobs, which is what counts here.
    void done;
    const stats = funnel.stats;
    await jobs.close();
    send({ event: 'closed', stats });
    process.exit(0);
  })();
});
