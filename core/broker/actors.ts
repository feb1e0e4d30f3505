// Who an actor is, for the broker's checks: actors name themselves in session.hello, so two
// spellings of one name ("bob", "BOB", "ｂｏｂ", "bob ") must count as one person when the broker
// decides who may approve or see a transfer. The audit log keeps the spelling as given.

/** The normal form actors are compared in: NFKC, case-folded, trimmed. */
export function actorKey(actor: string): string {
  return actor.normalize('NFKC').toLowerCase().trim();
}

export function sameActor(a: string, b: string): boolean {
  return actorKey(a) === actorKey(b);
}
