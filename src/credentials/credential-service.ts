import type { Store } from '../store/store.js';
import { InputError, NotFoundError } from '../errors/index.js';
import { open, seal } from './cipher.js';
import type { SecretKey } from './secret-key.js';
import { credentialFieldsSchema, CREDENTIAL_TYPES, NON_SECRET_FIELDS, type Credential, type CredentialMetadata, type CredentialType } from './credential.js';

/** Stores credentials encrypted; returns metadata freely and secrets only to the engine. */
export class CredentialService {
  constructor(
    private readonly store: Store,
    private readonly key: SecretKey,
  ) {}

  async put(input: { name: string; type: string; fields: Record<string, string>; description?: string }): Promise<CredentialMetadata> {
    if (!/^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/.test(input.name)) {
      throw new InputError(`credential name "${input.name}" must be 1-128 letters, digits, "_", "." or "-"`, { field: 'name' });
    }
    if (!(CREDENTIAL_TYPES as readonly string[]).includes(input.type)) {
      throw new InputError(`credential type "${input.type}" is not one of ${CREDENTIAL_TYPES.join(', ')}`, { field: 'type' });
    }
    const type = input.type as CredentialType;
    const parsed = credentialFieldsSchema[type].safeParse(input.fields);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw new InputError(`credential "${input.name}" (${type}): fields.${issue.path.join('.') || '(root)'}: ${issue.message}`, { field: `fields.${issue.path.join('.')}` });
    }
    const now = Date.now();
    const existing = await this.store.credentials.get(input.name);
    await this.store.credentials.upsert({
      name: input.name,
      type,
      description: input.description ?? null,
      username: parsed.data.username ?? null,
      field_names: JSON.stringify(Object.keys(parsed.data).sort()),
      ciphertext: seal(this.key, JSON.stringify(parsed.data), input.name),
      key_id: this.key.id,
      created_at: existing ? Number(existing.created_at) : now,
      updated_at: now,
    });
    return (await this.metadata(input.name))!;
  }

  async metadata(name: string): Promise<CredentialMetadata | undefined> {
    const row = await this.store.credentials.get(name);
    return row ? toMetadata(row) : undefined;
  }

  async list(): Promise<CredentialMetadata[]> {
    return (await this.store.credentials.list()).map(toMetadata);
  }

  async delete(name: string): Promise<boolean> {
    return this.store.credentials.delete(name);
  }

  /** Decrypts a credential. Callers must mask its secret fields (see secretValues). */
  async reveal(name: string): Promise<Credential> {
    const row = await this.store.credentials.get(name);
    if (!row) throw new NotFoundError(`credential "${name}" does not exist (add it with: patrol credentials add ${name} ...)`, { credential: name });
    const fields = JSON.parse(open(this.key, row.ciphertext, row.name)) as Record<string, string>;
    return { name: row.name, type: row.type as CredentialType, fields };
  }

  /** Re-encrypts every credential with a new key (key rotation). Returns how many were rotated. */
  async rotate(newKey: SecretKey): Promise<number> {
    return this.store.transaction(async (tx) => {
      const rows = await tx.credentials.list();
      for (const row of rows) {
        const plain = open(this.key, row.ciphertext, row.name);
        await tx.credentials.upsert({ ...row, ciphertext: seal(newKey, plain, row.name), key_id: newKey.id, updated_at: Date.now() });
      }
      return rows.length;
    });
  }
}

export function secretValues(c: Credential): string[] {
  return Object.entries(c.fields)
    .filter(([k]) => !NON_SECRET_FIELDS.has(k))
    .map(([, v]) => v);
}

function toMetadata(row: { name: string; type: string; description: string | null; username: string | null; field_names: string; created_at: number; updated_at: number }): CredentialMetadata {
  const m: CredentialMetadata = {
    name: row.name,
    type: row.type as CredentialType,
    fieldNames: JSON.parse(row.field_names) as string[],
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
  };
  if (row.description) m.description = row.description;
  if (row.username) m.username = row.username;
  return m;
}
