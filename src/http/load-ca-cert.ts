import { X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { NonRetryableError } from '../errors/index.js';

const PEM_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/**
 * Resolves `with.caCert` (PEM text, or the path of a PEM file) to PEM text, checking that each
 * certificate parses: a typo should fail here with the field's name, not as a vague TLS error.
 */
export async function loadCaCert(value: string, field = 'with.caCert'): Promise<string> {
  const isPem = value.includes('-----BEGIN');
  let pem = value;
  if (!isPem) {
    try {
      pem = await readFile(value, 'utf8');
    } catch (err) {
      throw new NonRetryableError(`${field}: cannot read the CA file ${value}: ${(err as Error).message}`, { code: 'invalid-input', details: { field } });
    }
  }
  const where = isPem ? 'the PEM text' : `the file ${value}`;
  const blocks = pem.match(PEM_BLOCK) ?? [];
  if (blocks.length === 0) throw new NonRetryableError(`${field}: ${where} holds no -----BEGIN CERTIFICATE----- block`, { code: 'invalid-input', details: { field } });
  blocks.forEach((block, i) => {
    try {
      new X509Certificate(block);
    } catch (err) {
      throw new NonRetryableError(`${field}: certificate ${i + 1} in ${where} does not parse: ${(err as Error).message}`, { code: 'invalid-input', details: { field } });
    }
  });
  return blocks.join('\n');
}
