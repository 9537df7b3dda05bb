import { z } from 'zod';

export const CREDENTIAL_TYPES = ['ssh-key', 'password', 'vault-password', 'token', 'generic'] as const;
export type CredentialType = (typeof CREDENTIAL_TYPES)[number];

/**
 * Secret fields per type. Every field value is treated as secret (masked), except `username`.
 *  - ssh-key: privateKey, passphrase?, username?
 *  - password: password, username?
 *  - vault-password: password
 *  - token: token, username?
 *  - generic: any string fields
 */
export const credentialFieldsSchema: Record<CredentialType, z.ZodType<Record<string, string>>> = {
  'ssh-key': z.object({ privateKey: z.string().min(1), passphrase: z.string().optional(), username: z.string().optional() }).strict() as z.ZodType<Record<string, string>>,
  password: z.object({ password: z.string().min(1), username: z.string().optional() }).strict() as z.ZodType<Record<string, string>>,
  'vault-password': z.object({ password: z.string().min(1) }).strict() as z.ZodType<Record<string, string>>,
  token: z.object({ token: z.string().min(1), username: z.string().optional() }).strict() as z.ZodType<Record<string, string>>,
  generic: z.record(z.string(), z.string()),
};

export interface Credential {
  name: string;
  type: CredentialType;
  fields: Record<string, string>;
}

/** What may be shown: never the secret fields. */
export interface CredentialMetadata {
  name: string;
  type: CredentialType;
  description?: string;
  fieldNames: string[];
  username?: string;
  createdAt: number;
  updatedAt: number;
}

export const NON_SECRET_FIELDS = new Set(['username']);
