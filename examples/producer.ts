/**
 * A producer: adds jobs with explicit delivery options, typed JSON bodies, and checks one.
 *
 *   node examples/run.mjs producer          (DISQUE_NODES, or an embedded server)
 */
import { connect, json } from '../src/index.js';
import { localDisque, runIfMain } from './local-disque.js';

interface Email {
  to: string;
  subject: string;
}

export async function main(count = 100): Promise<{ ids: string[]; queued: number }> {
  const disque = await localDisque();
  const jobs = connect({ nodes: disque.nodes, codec: json<Email>() });
  const queue = `emails-${Date.now().toString(36)}`;

  // Every fluent call returns a new handle: `emails` keeps these options for every add.
  const emails = jobs
    .retry(60_000) // not acked 60 s after delivery? delivered again (at-least-once)
    .ttl(24 * 3_600_000) // gone after a day, whatever happens
    .timeout(2_000); // wait up to 2 s for the copies to be made (REPLICATE)

  const ids: string[] = [];
  for (let i = 0; i < count; i += 20) {
    const batch = Array.from({ length: Math.min(20, count - i) }, (_, k) =>
      emails.add({ to: `user${i + k}@example.com`, subject: 'Welcome' }, queue),
    );
    ids.push(...(await Promise.all(batch)));
  }
  // One job delivered later: DELAY (Disque keeps it in whole seconds).
  const later = await emails.delay(5_000).add({ to: 'later@example.com', subject: 'Reminder' }, queue);

  const queued = await jobs.len(queue); // the delayed job is not queued yet
  const first = await jobs.show(ids[0] ?? '');
  console.log(`added ${ids.length} jobs to ${queue}; ${queued} queued`);
  console.log(
    `first job: ${first?.id} state=${first?.state} retry=${first?.retry}ms body=${JSON.stringify(first?.body)}`,
  );

  await jobs.fastAck(...ids, later); // tidy up: this example has no worker
  await jobs.close();
  await disque.close();
  return { ids, queued };
}

runIfMain('producer', () => main());
