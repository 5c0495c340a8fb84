/**
 * Stable placeholders for what changes from run to run: a session id becomes
 * `{session-1}`, an event id `{stream-1}/3`, a port `{port}`. With them, the
 * same scenario draws the same diagram byte for byte, so a committed diagram
 * can be checked against a fresh recording.
 *
 * Teaches: which parts of the wire are the protocol and which are chance.
 * Session ids and stream ids are random UUIDs (unguessable on purpose); the
 * number after an event id's slash is the event's place in its stream, which
 * is protocol, so it stays. Numbering follows first appearance, so
 * `{session-2}` means "a second session", which is itself a finding.
 * Read next: sequence-diagram.ts, which uses both.
 * @module
 */

/** What a random value stands for, which names its placeholder. */
export type PlaceholderRole = 'session' | 'stream';

/** Any UUID, the shape of every random id the course's servers mint. */
const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi;

/** A loopback origin's port: port 0 gives a new one every run. */
const LOOPBACK_PORT = /\b(127\.0\.0\.1|localhost):\d+/g;

/**
 * Replaces random values by numbered placeholders, numbering each role in the
 * order values first appear in the text it is given.
 *
 * @example
 * ```ts
 * const placeholders = new Placeholders();
 * placeholders.learn('465407be-d20a-4b75-8b06-0f39c40e6b0e', 'session');
 * placeholders.replace('Mcp-Session-Id: 465407be-d20a-4b75-8b06-0f39c40e6b0e');
 * // 'Mcp-Session-Id: {session-1}'
 * placeholders.replace('id: 9d377ea6-e926-4396-9615-0e72a582e4ca/3');
 * // 'id: {uuid-1}/3' (no role was learned for it)
 * ```
 */
export class Placeholders {
  readonly #roles = new Map<string, PlaceholderRole>();
  readonly #assigned = new Map<string, string>();
  readonly #counts = new Map<string, number>();

  /** Says what a value is, before it first appears. Values are compared case-insensitively. */
  learn(value: string, role: PlaceholderRole): void {
    this.#roles.set(value.toLowerCase(), role);
  }

  /** The text with every UUID and loopback port replaced. */
  replace(text: string): string {
    return text
      .replace(UUID, (value) => this.#placeholderFor(value.toLowerCase()))
      .replace(LOOPBACK_PORT, '$1:{port}');
  }

  #placeholderFor(value: string): string {
    const known = this.#assigned.get(value);
    if (known) return known;
    const role = this.#roles.get(value) ?? 'uuid';
    const number = (this.#counts.get(role) ?? 0) + 1;
    this.#counts.set(role, number);
    const placeholder = `{${role}-${number}}`;
    this.#assigned.set(value, placeholder);
    return placeholder;
  }
}
