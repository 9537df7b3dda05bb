import type { Kysely, Selectable } from 'kysely';
import type { CredentialsTable, Database } from './database.js';

export type CredentialRow = Selectable<CredentialsTable>;

/** Encrypted credential rows; encryption and decryption happen in src/credentials. */
export class CredentialRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async upsert(row: CredentialRow): Promise<void> {
    await this.db
      .insertInto('credentials')
      .values(row)
      .onConflict((oc) =>
        oc.column('name').doUpdateSet({
          type: row.type,
          description: row.description,
          username: row.username,
          field_names: row.field_names,
          ciphertext: row.ciphertext,
          key_id: row.key_id,
          updated_at: row.updated_at,
        }),
      )
      .execute();
  }

  async get(name: string): Promise<CredentialRow | undefined> {
    return this.db.selectFrom('credentials').selectAll().where('name', '=', name).executeTakeFirst();
  }

  async list(): Promise<CredentialRow[]> {
    return this.db.selectFrom('credentials').selectAll().orderBy('name').execute();
  }

  async delete(name: string): Promise<boolean> {
    const res = await this.db.deleteFrom('credentials').where('name', '=', name).executeTakeFirst();
    return Number(res.numDeletedRows) > 0;
  }
}
