import { jetstream } from '@nats-io/jetstream';
import { DLQ_HEADERS } from '@tessera/platform';
import { SingleBar } from 'cli-progress';
import { CliError } from '../admin-client.js';
import type { SystemAccess } from '../system.js';

export interface DeadLetter {
  seq: number;
  time: string;
  consumer: string;
  reason: string;
  error: string;
  subject: string;
  originalSequence: string;
  bytes: number;
}

/** Every message in the dead-letter stream, oldest first (optionally one consumer's). */
export async function listDeadLetters(system: SystemAccess, consumer?: string): Promise<DeadLetter[]> {
  const jsm = await system.jsm();
  const stream = system.topology.streams.dlq.name;
  const info = await jsm.streams.info(stream);
  const letters: DeadLetter[] = [];
  if (info.state.messages === 0) return letters;
  for (let seq = info.state.first_seq; seq <= info.state.last_seq; seq++) {
    const m = await jsm.streams.getMessage(stream, { seq }).catch(() => null); // deleted (replayed) ones leave gaps
    if (!m) continue;
    const letter: DeadLetter = {
      seq,
      time: m.time.toISOString(),
      consumer: m.header.get(DLQ_HEADERS.consumer),
      reason: m.header.get(DLQ_HEADERS.reason),
      error: m.header.get(DLQ_HEADERS.error),
      subject: m.header.get(DLQ_HEADERS.subject),
      originalSequence: m.header.get(DLQ_HEADERS.streamSequence),
      bytes: m.data.length,
    };
    if (!consumer || letter.consumer === consumer) letters.push(letter);
  }
  return letters;
}

/**
 * Puts dead letters back on their original subject (after the cause was fixed), then removes
 * them from the dead-letter stream. Every consumer sees a replayed event again; they are
 * idempotent by event id, so only the one that failed changes anything.
 */
export async function replayDeadLetters(system: SystemAccess, options: { consumer?: string; seq?: number; progress: boolean }): Promise<{ replayed: number }> {
  const letters = (await listDeadLetters(system, options.consumer)).filter((l) => options.seq === undefined || l.seq === options.seq);
  if (options.seq !== undefined && letters.length === 0) throw new CliError(`no dead letter with sequence ${options.seq}`);
  const jsm = await system.jsm();
  const js = jetstream(await system.nats());
  const stream = system.topology.streams.dlq.name;
  const tokenSubjects = system.topology.allTokenEvents.slice(0, -1); // '<ns>.tokens.' or 'tokens.'
  const bar = options.progress && letters.length > 1 ? new SingleBar({ format: 'replaying [{bar}] {value}/{total}', hideCursor: true }) : null;
  bar?.start(letters.length, 0);
  let replayed = 0;
  for (const letter of letters) {
    // Only ever back onto a token-event subject of this deployment.
    if (!letter.subject.startsWith(tokenSubjects)) throw new CliError(`dead letter ${letter.seq} names subject ${letter.subject}, outside ${system.topology.allTokenEvents}`);
    const message = await jsm.streams.getMessage(stream, { seq: letter.seq });
    await js.publish(letter.subject, message!.data, { msgID: `replay:${stream}:${letter.seq}` });
    await jsm.streams.deleteMessage(stream, letter.seq);
    replayed += 1;
    bar?.update(replayed);
  }
  bar?.stop();
  return { replayed };
}
