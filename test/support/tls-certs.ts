import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { requireTool } from './system-tools.js';

export interface TestCertificates {
  /** PEM of the CA that signed the server certificate (what a client must trust). */
  caFile: string;
  ca: string;
  key: string;
  cert: string;
}

/** A private CA and a server certificate for localhost/127.0.0.1 signed by it, made with the openssl CLI. */
export async function makeTestCertificates(dir: string): Promise<TestCertificates> {
  const bin = requireTool('openssl', 'apt-get install -y openssl');
  const openssl = (...args: string[]) => execa(bin, args, { cwd: dir });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  writeFileSync(join(dir, 'leaf.ext'), 'basicConstraints=CA:FALSE\nsubjectAltName=DNS:localhost,IP:127.0.0.1\n');
  await openssl('req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '10', '-subj', '/O=Patrol Test/CN=Patrol Test Mail CA');
  await openssl('req', ...ec, '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=localhost');
  await openssl('x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-days', '5', '-extfile', 'leaf.ext', '-out', 'server.pem');
  return { caFile: join(dir, 'ca.pem'), ca: readFileSync(join(dir, 'ca.pem'), 'utf8'), key: readFileSync(join(dir, 'server.key'), 'utf8'), cert: readFileSync(join(dir, 'server.pem'), 'utf8') };
}
