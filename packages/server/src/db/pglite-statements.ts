import { parse, protocol, type PGlite } from '@electric-sql/pglite';
import type { Row } from './db.js';

type BackendMessage = Parameters<typeof parse.parseResults>[0][number];

interface Prepared {
  name: string;
  /** Parameter type oids, which pick each value's serializer. */
  paramTypes: number[];
  /** The statement's RowDescription (or NoData), which Describe answered once when it was prepared. */
  shape: BackendMessage[];
}

/** Enough for every statement the server writes, and a bound on what WASM memory their plans hold. */
export const MAX_PREPARED = 500;
const NO_FS_SYNC = { syncToFs: false } as const;
const { serialize } = protocol;

/**
 * Named prepared statements for PGlite. PGlite's own query() parses, analyses and plans every
 * statement anew (the unnamed statement of the extended protocol), and its API has no way to name
 * one. Planning was most of a home timeline's CPU: its two statements took 4.9 and 8.6 ms through
 * query(), 1.3 and 3.6 ms as named statements, whose plans PostgreSQL keeps and, after five runs, makes
 * generic (measured on the bench's small dataset). postgres.js gives the PostgreSQL backend the same.
 * So each SQL text becomes a named statement the first time it runs, through PGlite's wire-protocol
 * entry point; past MAX_PREPARED, the least recently used is closed.
 */
export class PgliteStatements {
  readonly #pg: PGlite;
  readonly #prepared = new Map<string, Prepared>();
  #nextName = 0;

  constructor(pg: PGlite) { this.#pg = pg; }

  /** A statement outside any transaction: waits for an open transaction to end, as PGlite's query() does. */
  query<T extends Row>(sql: string, params: unknown[] = []): Promise<T[]> {
    return this.#pg._runExclusiveTransaction(async () => {
      const rows = await this.inTransaction<T>(sql, params);
      await this.#pg.syncToFs();
      return rows;
    });
  }

  /** A statement of the transaction that holds PGlite now (PGlite's tx.query() takes the same lock). */
  inTransaction<T extends Row>(sql: string, params: unknown[] = []): Promise<T[]> {
    return this.#pg.runExclusive(async () => {
      const statement = await this.#prepare(sql);
      const values = params.map((value, i) => this.#serialize(value, statement.paramTypes[i]));
      try {
        const answer = await this.#send(serialize.bind({ statement: statement.name, values }), serialize.execute({}));
        return parse.parseResults([...statement.shape, ...answer], this.#pg.parsers)[0]!.rows as T[];
      } catch (err) {
        // "cached plan must not change result type": a table under the statement changed shape, so
        // the remembered row description is wrong too. The next call prepares it again.
        if ((err as { code?: string }).code === '0A000') await this.#close(sql);
        throw err;
      }
    });
  }

  get size(): number { return this.#prepared.size; }

  async #prepare(sql: string): Promise<Prepared> {
    const known = this.#prepared.get(sql);
    if (known) {
      this.#prepared.delete(sql);
      this.#prepared.set(sql, known);
      return known;
    }
    if (this.#prepared.size >= MAX_PREPARED) await this.#close(this.#prepared.keys().next().value!);
    const name = `fb${this.#nextName++}`;
    const described = await this.#send(serialize.parse({ name, text: sql }), serialize.describe({ type: 'S', name }));
    const statement: Prepared = {
      name,
      paramTypes: parse.parseDescribeStatementResults(described),
      shape: described.filter((m) => m.name === 'rowDescription' || m.name === 'noData'),
    };
    this.#prepared.set(sql, statement);
    return statement;
  }

  async #close(sql: string): Promise<void> {
    const statement = this.#prepared.get(sql)!;
    this.#prepared.delete(sql);
    await this.#send(serialize.close({ type: 'S', name: statement.name }));
  }

  /** PGlite's own rule: its serializer for the parameter's type, else the value as text. */
  #serialize(value: unknown, type: number | undefined): string | null {
    if (value === null || value === undefined) return null;
    const serializer = type === undefined ? undefined : this.#pg.serializers[type];
    return serializer ? serializer(value) : String(value);
  }

  /**
   * Sends the messages and a Sync in one call into PGlite: PostgreSQL answers them all, and on an
   * error skips the rest up to the Sync, so every call leaves the protocol ready for the next one.
   */
  #send(...messages: Uint8Array[]): Promise<BackendMessage[]> {
    return this.#pg.execProtocolStream(Buffer.concat([...messages, serialize.sync()]), NO_FS_SYNC);
  }
}
