/**
 * The run contract's event vocabulary (run-output.ts EVENT_KINDS, EVENT_CAUSES) as interned ids of an
 * event log: code emits `ids.kind.migrate`, `ids.cause.eviction`, so a kind or cause that is not in the
 * contract does not compile.
 */
import type { EventLog } from './events.ts';
import { EVENT_CAUSES, EVENT_KINDS, type EventCause, type EventKind } from './run-output.ts';

export interface EventIds {
  readonly kind: Readonly<Record<EventKind, number>>;
  readonly cause: Readonly<Record<EventCause, number>>;
}

export function eventIds(events: EventLog): EventIds {
  const intern = <K extends string>(table: Record<K, string>): Record<K, number> =>
    Object.fromEntries(Object.keys(table).map((k) => [k, events.id(k)])) as Record<K, number>;
  return { kind: intern(EVENT_KINDS), cause: intern(EVENT_CAUSES) };
}
