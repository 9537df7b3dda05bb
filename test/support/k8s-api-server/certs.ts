import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Certificates made with the openssl CLI, as kubeadm lays them out: a cluster CA, the API
 * server's serving certificate (SANs kubernetes, kubernetes.default.svc, localhost, 127.0.0.1)
 * and client certificates whose CN is the user and O the groups. `openssl ca` is used so that
 * any validity window can be set, including one already in the past.
 */
export interface Pem {
  cert: string;
  key: string;
}

export interface TestCa extends Pem {
  dir: string;
  issue(opts: IssueOptions): Pem;
}

export interface IssueOptions {
  cn: string;
  /** Organisations (client certificates: Kubernetes groups). */
  o?: string[];
  /** DNS names and IPs (serving certificates). */
  dns?: string[];
  ips?: string[];
  notBefore?: Date;
  notAfter?: Date;
  /** Validity from now when notAfter is not given. @defaultValue 365 */
  days?: number;
  usage?: 'server' | 'client';
}

const EC = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

function stamp(d: Date): string {
  return d.toISOString().replace(/[-:T]/g, '').slice(0, 14) + 'Z';
}

export function createTestCa(opts: { dir?: string; cn?: string } = {}): TestCa {
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'k8s-ca-'));
  mkdirSync(join(dir, 'db'), { recursive: true });
  writeFileSync(join(dir, 'db', 'index.txt'), '');
  writeFileSync(join(dir, 'db', 'serial'), '1000\n');
  writeFileSync(
    join(dir, 'ca.cnf'),
    ['[ ca ]', 'default_ca = CA_default', '[ CA_default ]', 'database = db/index.txt', 'new_certs_dir = db', 'serial = db/serial', 'default_md = sha256', 'policy = policy_any', 'copy_extensions = copy', 'unique_subject = no', '[ policy_any ]', 'commonName = supplied', 'organizationName = optional', ''].join('\n'),
  );
  execFileSync('openssl', ['req', '-x509', ...EC, '-keyout', join(dir, 'ca.key'), '-out', join(dir, 'ca.crt'), '-days', '3650', '-subj', `/CN=${opts.cn ?? 'kubernetes'}`, '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,digitalSignature,keyEncipherment,keyCertSign'], { cwd: dir, stdio: 'pipe' });
  let n = 0;
  const ca: TestCa = {
    dir,
    cert: readFileSync(join(dir, 'ca.crt'), 'utf8'),
    key: readFileSync(join(dir, 'ca.key'), 'utf8'),
    issue(o: IssueOptions): Pem {
      const id = `c${++n}`;
      const subj = `/${(o.o ?? []).map((g) => `O=${g}/`).join('')}CN=${o.cn}`;
      const sans = [...(o.dns ?? []).map((d) => `DNS:${d}`), ...(o.ips ?? []).map((i) => `IP:${i}`)];
      const ext = ['-addext', `extendedKeyUsage=${o.usage === 'client' ? 'clientAuth' : 'serverAuth'}`, '-addext', 'keyUsage=critical,digitalSignature,keyEncipherment'];
      if (sans.length) ext.push('-addext', `subjectAltName=${sans.join(',')}`);
      execFileSync('openssl', ['req', ...EC, '-keyout', `${id}.key`, '-out', `${id}.csr`, '-subj', subj, ...ext], { cwd: dir, stdio: 'pipe' });
      const notBefore = o.notBefore ?? new Date(Date.now() - 3600_000);
      const notAfter = o.notAfter ?? new Date(Date.now() + (o.days ?? 365) * 86_400_000);
      execFileSync('openssl', ['ca', '-batch', '-config', 'ca.cnf', '-cert', 'ca.crt', '-keyfile', 'ca.key', '-in', `${id}.csr`, '-out', `${id}.crt`, '-startdate', stamp(notBefore), '-enddate', stamp(notAfter), '-notext', '-multivalue-rdn'], { cwd: dir, stdio: 'pipe' });
      return { cert: readFileSync(join(dir, `${id}.crt`), 'utf8'), key: readFileSync(join(dir, `${id}.key`), 'utf8') };
    },
  };
  return ca;
}
