/**
 * Multi-node golden transcripts (20-24) and the slow single-node eviction transcript (30, its
 * 5-minute sleeps fast-forwarded) replayed against embedded servers that start unjoined and
 * CLUSTER MEET each other.
 * Set CONFORMANCE_VERBOSE=1 to print the volatile steps that differ.
 */
import { transcriptNames } from './harness.js';
import { conformanceTests } from './run.js';
import { embeddedServer } from '../helpers/target.js';

embeddedServer('conformance: replays recordings of real Disque against the embedded server (by nature)');

jest.setTimeout(60000);

conformanceTests(transcriptNames().filter((n) => Number(n.slice(0, 2)) >= 20));
