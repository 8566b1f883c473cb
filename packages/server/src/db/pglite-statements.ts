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

/**
 * Named prepared statements for PGlite. PGlite's own query() parses, analyses and plans every
 * statement anew (the unnamed statement of the extended protocol), and its API has no way to name
 * one. Planning was most of a home timeline's CPU: its two statements took 4.9 and 8.6 ms through
 * query(), 1.3 and 3.6 ms as named statements, whose plans PostgreSQL keeps and, after five runs, makes
 * generic (measured on the bench's small dataset). postgres.js gives the PostgreSQL backend the same.
 * So each SQL text becomes a named statement the first time it runs, through PGlite's wire-protocol
 * entry point, kept most-recently-used first and closed past MAX_PREPARED.
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
      const messages: BackendMessage[] = [];
      let statement: Prepared | undefined;
      let stale = false;
      try {
        statement = await this.#prepare(sql);
        const values = params.map((value, i) => this.#serialize(value, statement!.paramTypes[i]));
        await this.#send(protocol.serialize.bind({ statement: statement.name, values }));
        messages.push(...statement.shape, ...await this.#send(protocol.serialize.execute({})));
      } catch (err) {
        // "cached plan must not change result type": a table under the statement changed shape, so
        // the remembered row description is wrong too. The next call prepares it again.
        stale = statement !== undefined && (err as { code?: string }).code === '0A000';
        throw err;
      } finally {
        await this.#send(protocol.serialize.sync());
        if (stale) await this.#close(sql);
      }
      return parse.parseResults(messages, this.#pg.parsers)[0]!.rows as T[];
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
    await this.#send(protocol.serialize.parse({ name, text: sql }));
    const described = await this.#send(protocol.serialize.describe({ type: 'S', name }));
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
    await this.#send(protocol.serialize.close({ type: 'S', name: statement.name }));
    await this.#send(protocol.serialize.sync());
  }

  /** PGlite's own rule: its serializer for the parameter's type, else the value as text. */
  #serialize(value: unknown, type: number | undefined): string | null {
    if (value === null || value === undefined) return null;
    const serializer = type === undefined ? undefined : this.#pg.serializers[type];
    return serializer ? serializer(value) : String(value);
  }

  #send(message: Uint8Array): Promise<BackendMessage[]> {
    return this.#pg.execProtocolStream(message, NO_FS_SYNC);
  }
}
