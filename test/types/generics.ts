// Type tests for the public generics: checked by `tsc -p tsconfig.test.json` (`npm run typecheck`,
// and so CI), never run. Each `expectType` fails to compile if the inferred type drifts; each
// `@ts-expect-error` fails to compile if the mistake under it stops being an error.
import {
  connect,
  json,
  buffer,
  Connection,
  GETJOB,
  QLEN,
  type Codec,
  type Funnel,
  type FunnelJob,
  type Job,
  type Jobs,
} from '../../src/index.js';

/** Compiles only when `T` is exactly `Expected` (not merely assignable either way). */
type Equal<A, B> = (<X>() => X extends A ? 1 : 2) extends <X>() => X extends B ? 1 : 2 ? true : false;
function expectType<Expected>() {
  return <T>(_value: T, ..._exact: Equal<T, Expected> extends true ? [] : [never]): void => undefined;
}

interface Email {
  to: string;
  subject: string;
}

export async function connectInfersTheBodyType(): Promise<void> {
  // Without a codec, bodies are strings.
  const plain = connect();
  expectType<Jobs<string>>()(plain);
  expectType<Promise<string>>()(plain.add('hi', 'q'));

  // json<T>() gives Jobs<T>: add takes a T, get gives Job<T> bodies.
  const emails = connect({ codec: json<Email>() });
  expectType<Jobs<Email>>()(emails);
  expectType<Codec<Email>>()(json<Email>());
  await emails.add({ to: 'a@b.c', subject: 'hi' }, 'emails');
  // @ts-expect-error a body of the wrong shape is refused
  await emails.add({ to: 'a@b.c' }, 'emails');
  // @ts-expect-error a string is not an Email
  await emails.add('hi', 'emails');
  const job = await emails.get('emails');
  expectType<Email>()(job.body);

  // connect<T> with an explicit type argument must agree with the codec.
  const bytes = connect<Buffer>({ codec: buffer() });
  expectType<Jobs<Buffer>>()(bytes);
  // @ts-expect-error a codec of another type
  connect<Email>({ codec: buffer() });

  // Fluent options keep the body type.
  expectType<Jobs<Email>>()(emails.retry(60_000).ttl(3_600_000).replicate(2));
}

export function funnelEventsCarryTheBodyType(): void {
  const emails = connect({ codec: json<Email>() });
  const funnel = emails.funnel('emails');
  expectType<Funnel<Email>>()(funnel);
  funnel.on('ack', (acked) => {
    expectType<FunnelJob<Email>>()(acked);
    expectType<Email>()(acked.body);
  });
  funnel.on('deadLetter', (dead, error) => {
    expectType<string>()(dead.body.subject);
    expectType<unknown>()(error);
  });
  funnel.on('error', (error) => expectType<unknown>()(error));
  // @ts-expect-error not an event of a Funnel
  funnel.on('no-such-event', () => undefined);
  // @ts-expect-error the ack listener gets a FunnelJob<Email>, not a number
  funnel.on('ack', (n: number) => n);
}

export async function connectionCommandsAreTyped(conn: Connection): Promise<void> {
  expectType<Promise<number>>()(conn.run(QLEN, 'q'));
  expectType<Promise<Job[]>>()(conn.run(GETJOB, ['q'], { nohang: true }));
  // @ts-expect-error GETJOB takes a list of queues
  await conn.run(GETJOB, 'q');
  // @ts-expect-error an unknown GETJOB option
  await conn.getJob(['q'], { colour: 'red' });
}
