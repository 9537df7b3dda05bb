import { checkHostKey, entryMatchesHost, hostLookupName, knownHostsLine, knownKeyTypes, parseKnownHosts } from '../../src/ssh/known-hosts.js';
import { fingerprintOf, keyTypeOf, preferredHostKeyAlgorithms } from '../../src/ssh/host-key.js';

// Real keys and lines from OpenSSH 9.2: `ssh-keygen -t ed25519|ecdsa`, then `ssh-keygen -H` for the
// hashed lines; fingerprints as `ssh-keygen -lf` prints them.
const K1 = 'AAAAC3NzaC1lZDI1NTE5AAAAIDxfLevsLHuVYe2/M2+IN0BRPa6k7HINlcpxwleL750f';
const K1_FP = 'SHA256:vIafLtDqPKMM6SfydloaodMp8Q59xsNdPOuTNRjlGxM';
const K2 = 'AAAAC3NzaC1lZDI1NTE5AAAAIIGTreTked9R92p4TrRJ84bi4WtYxFef0pYO5rRt8Mmp';
const K3_ECDSA = 'AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBAO+JemQbtqZKFfZlpf3eeu54Se4EUXqiFQrEIipk9PIZVCHn9cc+ci4WqHpKCpwCZ6J+Gn8n+P9R5tIGtXy7ao=';
const K3_FP = 'SHA256:kBO45qTbK7vl0FVqxfKJLJxFhOzuLwsXNY+zLSi/19g';
// web-1.example.com -> K1, [db.example.com]:2222 -> K2
const HASHED_WEB1 = `|1|tivdWau66KRa+8MM/RsCDNnPgGc=|c0E4WaKndt2UNQt1MboVYxjy1fs= ssh-ed25519 ${K1}`;
const HASHED_DB_2222 = `|1|+sqOOS1Sii4p7/a/LBn4paVeNxQ=|m9x1IRJJemSEGa/Dfd8Bm+G3VNU= ssh-ed25519 ${K2}`;

const key = (b64: string) => Buffer.from(b64, 'base64');
const parse = (text: string) => parseKnownHosts(text, '/etc/kh');

test('key blobs: type and SHA256 fingerprint match OpenSSH', () => {
  expect(keyTypeOf(key(K1))).toBe('ssh-ed25519');
  expect(keyTypeOf(key(K3_ECDSA))).toBe('ecdsa-sha2-nistp256');
  expect(fingerprintOf(key(K1))).toBe(K1_FP);
  expect(fingerprintOf(key(K3_ECDSA))).toBe(K3_FP);
  expect(keyTypeOf(Buffer.from('not a key'))).toBeUndefined();
});

test('plain entries: comma lists, wildcards, negation, comments, line numbers', () => {
  const { entries, problems } = parse(`# comment\n\nweb-1,10.0.0.1 ssh-ed25519 ${K1} a comment\n*.prod.example.com,!bastion.prod.example.com ssh-ed25519 ${K2}\n`);
  expect(problems).toEqual([]);
  expect(entries.map((e) => e.line)).toEqual([3, 4]);
  expect(entryMatchesHost(entries[0]!, 'web-1', 22)).toBe(true);
  expect(entryMatchesHost(entries[0]!, '10.0.0.1', 22)).toBe(true);
  expect(entryMatchesHost(entries[0]!, 'WEB-1', 22)).toBe(true);
  expect(entryMatchesHost(entries[0]!, 'web-10', 22)).toBe(false);
  expect(entryMatchesHost(entries[1]!, 'app.prod.example.com', 22)).toBe(true);
  expect(entryMatchesHost(entries[1]!, 'bastion.prod.example.com', 22)).toBe(false);
  expect(entryMatchesHost(entries[1]!, 'prod.example.com', 22)).toBe(false);
});

test('ports: port 22 is the bare name, other ports only match [host]:port', () => {
  const { entries } = parse(`[10.0.0.5]:2222 ssh-ed25519 ${K1}\n10.0.0.5 ssh-ed25519 ${K2}\n`);
  expect(hostLookupName('10.0.0.5', 22)).toBe('10.0.0.5');
  expect(hostLookupName('10.0.0.5', 2222)).toBe('[10.0.0.5]:2222');
  expect(checkHostKey(entries, '10.0.0.5', 2222, key(K1))).toMatchObject({ status: 'known', entry: { line: 1 } });
  expect(checkHostKey(entries, '10.0.0.5', 22, key(K2))).toMatchObject({ status: 'known', entry: { line: 2 } });
  // The port-22 entry says nothing about port 2200, and vice versa.
  expect(checkHostKey(entries, '10.0.0.5', 2200, key(K2))).toEqual({ status: 'unknown' });
  expect(checkHostKey(entries, '10.0.0.5', 22, key(K1))).toMatchObject({ status: 'changed', expected: [{ line: 2 }] });
});

test('hashed entries written by ssh-keygen -H match their host (and port) only', () => {
  const { entries, problems } = parse(`${HASHED_WEB1}\n${HASHED_DB_2222}\n`);
  expect(problems).toEqual([]);
  expect(entries[0]!.hosts.kind).toBe('hashed');
  expect(entryMatchesHost(entries[0]!, 'web-1.example.com', 22)).toBe(true);
  expect(entryMatchesHost(entries[0]!, 'web-2.example.com', 22)).toBe(false);
  expect(entryMatchesHost(entries[0]!, 'web-1.example.com', 2222)).toBe(false);
  expect(entryMatchesHost(entries[1]!, 'db.example.com', 2222)).toBe(true);
  expect(entryMatchesHost(entries[1]!, 'db.example.com', 22)).toBe(false);
  expect(checkHostKey(entries, 'web-1.example.com', 22, key(K1))).toMatchObject({ status: 'known', entry: { line: 1 } });
  expect(checkHostKey(entries, 'web-1.example.com', 22, key(K2))).toMatchObject({ status: 'changed', expected: [{ line: 1 }] });
});

test('a key of a type the host is not known by is a mismatch, not a pass and not "unknown"', () => {
  const { entries } = parse(`web-1 ssh-ed25519 ${K1}\n`);
  const check = checkHostKey(entries, 'web-1', 22, key(K3_ECDSA));
  expect(check).toMatchObject({ status: 'other-type', known: [{ keyType: 'ssh-ed25519', line: 1 }] });
  expect(knownKeyTypes(entries, 'web-1', 22)).toEqual(['ssh-ed25519']);
  // Known types are offered first, so the server presents the key known_hosts can verify.
  expect(preferredHostKeyAlgorithms(['ecdsa-sha2-nistp256']).slice(0, 2)).toEqual(['ecdsa-sha2-nistp256', 'ssh-ed25519']);
  expect(preferredHostKeyAlgorithms(['ssh-rsa']).slice(0, 3)).toEqual(['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa']);
});

test('a key type field that disagrees with the key, bad base64 and unknown markers are problems, not entries', () => {
  const { entries, problems } = parse(`web-1 ecdsa-sha2-nistp256 ${K1}\nweb-2 ssh-ed25519 not*base64\n@bogus web-3 ssh-ed25519 ${K1}\nweb-4 ssh-ed25519\n|1|short|hash ssh-ed25519 ${K1}\n`);
  expect(entries).toEqual([]);
  expect(problems.map((p) => p.line)).toEqual([1, 2, 3, 4, 5]);
  expect(problems[0]!.reason).toContain('does not match');
  expect(problems.every((p) => p.file === '/etc/kh')).toBe(true);
});

test('@revoked wins over a matching entry; @cert-authority lines never vouch for a plain key', () => {
  const { entries } = parse(`web-1 ssh-ed25519 ${K1}\n@revoked * ssh-ed25519 ${K1}\n@cert-authority *.example.com ssh-ed25519 ${K2}\n`);
  expect(checkHostKey(entries, 'web-1', 22, key(K1))).toMatchObject({ status: 'revoked', entry: { line: 2 } });
  expect(checkHostKey(entries, 'api.example.com', 22, key(K2))).toEqual({ status: 'unknown' });
});

test('knownHostsLine writes what ssh-keyscan would, and it parses back', () => {
  expect(knownHostsLine('10.0.0.5', 22, key(K1))).toBe(`10.0.0.5 ssh-ed25519 ${K1}`);
  expect(knownHostsLine('10.0.0.5', 2222, key(K3_ECDSA))).toBe(`[10.0.0.5]:2222 ecdsa-sha2-nistp256 ${K3_ECDSA}`);
  const { entries } = parse(knownHostsLine('10.0.0.5', 2222, key(K3_ECDSA)));
  expect(checkHostKey(entries, '10.0.0.5', 2222, key(K3_ECDSA)).status).toBe('known');
});
