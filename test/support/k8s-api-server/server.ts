import { randomBytes, randomUUID, X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import { createTestCa, type Pem, type TestCa } from './certs.js';
import { decodeContinue, encodeContinue } from './continue-token.js';
import { kubeconfigYaml, type KubeconfigContext } from './kubeconfig.js';
import { allows, PUBLIC_INFO_RULES, type AuthzRequest, type PolicyRule } from './rbac.js';
import { findResource, groupVersion, resourceByKind, SERVER_RESOURCES, type ServerResource } from './resources.js';
import { labelsMatch, parseFieldSelector, parseLabelSelector } from './selectors.js';
import * as S from './status.js';
import { fieldValue, keyFor, lowerBound, StaticSource, type KubeObj, type ObjectSource } from './store.js';
import type { ServerExtension } from './extension.js';

const gzipAsync = promisify(gzip);

/** A user a bearer token authenticates as; `rules` undefined means cluster-admin. */
export interface TokenUser {
  user: string;
  groups?: string[];
  rules?: PolicyRule[];
}

export interface RequestInfo {
  method: string;
  path: string;
  query: URLSearchParams;
  user: string;
}

export interface RequestRecord {
  at: number;
  method: string;
  path: string;
  query: Record<string, string>;
  user: string;
  status: number;
  ms: number;
  headers: Record<string, string | string[] | undefined>;
}

/** Failures to inject, changeable while the server runs. */
export interface Faults {
  /** Milliseconds to wait before answering. */
  delayMs?: number | ((req: RequestInfo) => number);
  /** Never answer matching requests (the socket stays open until the client gives up). */
  hang?: (req: RequestInfo) => boolean;
  /** Answer matching requests 429 with Retry-After, `times` times in total. */
  throttle?: { match?: (req: RequestInfo) => boolean; times: number; retryAfterSeconds: number };
  /**
   * Expire continue tokens: the `afterPages`-th continue request of a list (per path) and the
   * following ones answer 410 Gone, `times` times in total. `withFreshToken` (default true, as
   * kube-apiserver) includes the "inconsistent" continue token in the Status.
   */
  expireContinue?: { afterPages: number; times: number; withFreshToken?: boolean; match?: (req: RequestInfo) => boolean; /** Matching continue requests seen so far (kept by the server). */ seen?: number };
  /** Answer matching requests with an HTTP error `times` times (e.g. 503, 500). */
  errors?: { match: (req: RequestInfo) => boolean; status: number; times: number }[];
  /** Cut the connection halfway through the body of matching 200 answers, `times` times (a reset or idle timeout mid-list). */
  cutBody?: { match: (req: RequestInfo) => boolean; times: number };
}

export interface HealthOptions {
  /** Check names failing in /readyz and /livez (e.g. "etcd"). */
  failing?: string[];
}

export interface VersionInfo {
  major: string;
  minor: string;
  gitVersion: string;
  gitCommit: string;
  gitTreeState: string;
  buildDate: string;
  goVersion: string;
  compiler: string;
  platform: string;
}

export interface KubeApiServerOptions {
  host?: string;
  port?: number;
  /** gitVersion of /version. @defaultValue v1.32.4 */
  version?: string;
  /** Objects to serve: kubectl `-o json` dumps (kind List), single objects, or arrays of both. */
  objects?: unknown[];
  /** Generated (or other) sources by "group/resource" ("/pods", "apps/deployments"); they win over `objects`. */
  sources?: Record<string, ObjectSource>;
  /** kubelet configz documents per node (GET /api/v1/nodes/NAME/proxy/configz). */
  configz?: (node: string) => Record<string, unknown> | undefined;
  /** Extra bearer tokens. An admin token (cluster-admin) is always created: `adminToken`. */
  tokens?: Record<string, TokenUser>;
  /** Unauthenticated requests are system:anonymous (true, as kube-apiserver's default) or 401. */
  anonymous?: boolean;
  /** Serving certificate validity. @defaultValue 365 days from now */
  servingCert?: { notBefore?: Date; notAfter?: Date; days?: number };
  /** Reuse a CA (e.g. to issue client certificates before starting). */
  ca?: TestCa;
  /** gzip responses over 128 KiB when the client accepts it, as kube-apiserver does. @defaultValue true */
  gzip?: boolean;
  /** Keep the last N requests in `requests` (0 = none). @defaultValue 10000 */
  logRequests?: number;
  health?: HealthOptions;
  faults?: Faults;
  /** First resourceVersion. @defaultValue 100000 */
  resourceVersion?: number;
}

export const READYZ_CHECKS = [
  'ping',
  'log',
  'etcd',
  'etcd-readiness',
  'kms-providers',
  'informer-sync',
  'poststarthook/start-apiserver-admission-initializer',
  'poststarthook/generic-apiserver-start-informers',
  'poststarthook/priority-and-fairness-config-consumer',
  'poststarthook/priority-and-fairness-filter',
  'poststarthook/storage-object-count-tracker-hook',
  'poststarthook/start-apiextensions-informers',
  'poststarthook/start-apiextensions-controllers',
  'poststarthook/crd-informer-synced',
  'poststarthook/start-system-namespaces-controller',
  'poststarthook/start-cluster-authentication-info-controller',
  'poststarthook/start-kube-apiserver-identity-lease-controller',
  'poststarthook/start-kube-apiserver-identity-lease-garbage-collector',
  'poststarthook/start-legacy-token-tracking-controller',
  'poststarthook/start-service-ip-repair-controllers',
  'poststarthook/rbac/bootstrap-roles',
  'poststarthook/scheduling/bootstrap-system-priority-classes',
  'poststarthook/priority-and-fairness-config-producer',
  'poststarthook/bootstrap-controller',
  'poststarthook/aggregator-reload-proxy-client-cert',
  'poststarthook/start-kube-aggregator-informers',
  'poststarthook/apiservice-status-local-available-controller',
  'poststarthook/apiservice-status-remote-available-controller',
  'poststarthook/apiservice-registration-controller',
  'poststarthook/apiservice-discovery-controller',
  'poststarthook/kube-apiserver-autoregistration',
  'autoregister-completion',
  'poststarthook/apiservice-openapi-controller',
  'poststarthook/apiservice-openapiv3-controller',
  'shutdown',
];
/** livez has no readiness-only checks. */
export const LIVEZ_CHECKS = READYZ_CHECKS.filter((c) => c !== 'etcd-readiness' && c !== 'informer-sync' && c !== 'shutdown');

const GZIP_THRESHOLD = 128 * 1024;

/**
 * A test Kubernetes API server: HTTPS with a cluster CA, bearer-token and client-certificate
 * authentication, RBAC authorization with the authorizer's messages, discovery, /version,
 * /readyz and /livez, and list/get of the kinds Patrol reads with limit/continue pagination,
 * resourceVersions, 410 Gone for compacted continue tokens, field and label selectors, gzip.
 * See README.md in this directory for what is and is not faithful.
 */
export class KubeApiServer {
  readonly ca: TestCa;
  readonly adminToken: string;
  readonly requests: RequestRecord[] = [];
  faults: Faults;
  health: HealthOptions;
  private server!: Server;
  private serving!: Pem;
  private readonly sockets = new Set<Socket>();
  private readonly tokens = new Map<string, TokenUser>();
  private readonly statics = new Map<string, StaticSource>();
  /** Handlers for what the read-only core does not serve (writes, watch, subresources); see extension.ts. */
  private readonly extensions: ServerExtension[] = [];
  private readonly sources = new Map<string, ObjectSource>();
  private rv: number;
  /** Continue tokens of lists at resourceVersions below this are expired (etcd compaction). */
  private compactedRv = 0;
  private readonly version: VersionInfo;
  private dir: string;
  url = '';
  port = 0;

  private constructor(private readonly opts: KubeApiServerOptions) {
    this.ca = opts.ca ?? createTestCa();
    this.dir = mkdtempSync(join(tmpdir(), 'k8s-api-'));
    this.adminToken = `admin-${randomBytes(12).toString('hex')}`;
    this.tokens.set(this.adminToken, { user: 'kubernetes-admin', groups: ['system:masters'] });
    for (const [t, u] of Object.entries(opts.tokens ?? {})) this.tokens.set(t, u);
    this.faults = opts.faults ?? {};
    this.health = opts.health ?? {};
    this.rv = opts.resourceVersion ?? 100_000;
    const gv = opts.version ?? 'v1.32.4';
    const [maj, min] = gv.replace(/^v/, '').split('.');
    this.version = { major: maj ?? '1', minor: min ?? '32', gitVersion: gv, gitCommit: '59526cd4867447956156ae3a602fcbac10a2c335', gitTreeState: 'clean', buildDate: '2025-04-22T16:02:27Z', goVersion: 'go1.23.8', compiler: 'gc', platform: 'linux/amd64' };
    if (opts.objects) this.load(opts.objects);
    for (const [k, s] of Object.entries(opts.sources ?? {})) this.sources.set(k, s);
  }

  static async start(opts: KubeApiServerOptions = {}): Promise<KubeApiServer> {
    const s = new KubeApiServer(opts);
    await s.listen();
    return s;
  }

  private async listen(): Promise<void> {
    const sc = this.opts.servingCert ?? {};
    this.serving = this.ca.issue({
      cn: 'kube-apiserver',
      dns: ['kubernetes', 'kubernetes.default', 'kubernetes.default.svc', 'kubernetes.default.svc.cluster.local', 'localhost'],
      ips: ['127.0.0.1', '10.96.0.1'],
      ...(sc.notBefore ? { notBefore: sc.notBefore } : {}),
      ...(sc.notAfter ? { notAfter: sc.notAfter } : {}),
      ...(sc.days !== undefined ? { days: sc.days } : {}),
    });
    this.server = createServer({ cert: this.serving.cert, key: this.serving.key, ca: this.ca.cert, requestCert: true, rejectUnauthorized: false }, (req, res) => {
      void this.handle(req, res);
    });
    this.server.keepAliveTimeout = 60_000;
    this.server.on('connection', (sock: Socket) => {
      this.sockets.add(sock);
      sock.on('close', () => this.sockets.delete(sock));
    });
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.opts.port ?? 0, this.opts.host ?? '127.0.0.1', () => resolve());
    });
    this.port = (this.server.address() as AddressInfo).port;
    this.url = `https://${this.opts.host ?? '127.0.0.1'}:${this.port}`;
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    rmSync(this.dir, { recursive: true, force: true });
    if (!this.opts.ca) rmSync(this.ca.dir, { recursive: true, force: true });
  }

  /** The serving certificate (for expiry assertions). */
  get servingCertificate(): X509Certificate {
    return new X509Certificate(this.serving.cert);
  }

  /** Adds a bearer token. */
  addToken(token: string, user: TokenUser): void {
    this.tokens.set(token, user);
  }

  /** A client certificate for `user` in `groups`, signed by the cluster CA (kubeadm's admin.conf style). */
  clientCertificate(user: string, groups: string[] = []): Pem {
    return this.ca.issue({ cn: user, o: groups, usage: 'client' });
  }

  /** The kubeconfig context for this server. */
  context(opts: { name?: string; token?: string; clientCert?: Pem; namespace?: string } = {}): KubeconfigContext {
    return {
      name: opts.name ?? 'test',
      server: this.url,
      caPem: this.ca.cert,
      ...(opts.clientCert ? { clientCert: opts.clientCert } : { token: opts.token ?? this.adminToken }),
      ...(opts.namespace ? { namespace: opts.namespace } : {}),
    };
  }

  /** Writes a kubeconfig for this server and returns its path. */
  writeKubeconfig(opts: { name?: string; token?: string; clientCert?: Pem; file?: string } = {}): string {
    const file = opts.file ?? join(this.dir, `kubeconfig-${randomBytes(4).toString('hex')}.yaml`);
    writeFileSync(file, kubeconfigYaml([this.context(opts)]), { mode: 0o600 });
    return file;
  }

  /** Loads objects (List dumps, single objects) into the static store. */
  load(values: unknown[]): void {
    const flat: Record<string, unknown>[] = [];
    const walk = (v: unknown) => {
      if (Array.isArray(v)) v.forEach(walk);
      else if (v && typeof v === 'object') {
        const o = v as Record<string, unknown>;
        if (typeof o.kind === 'string' && o.kind.endsWith('List') && Array.isArray(o.items)) (o.items as unknown[]).forEach(walk);
        else flat.push(o);
      }
    };
    walk(values);
    for (const o of flat) this.put(o);
  }

  /** Stores one object (kind and apiVersion required); assigns uid/resourceVersion when missing. */
  put(o: Record<string, unknown>): void {
    const kind = String(o.kind ?? '');
    const res = resourceByKind(String(o.apiVersion ?? ''), kind);
    if (!res) throw new Error(`the test API server does not serve ${String(o.apiVersion)}/${kind}`);
    const { kind: _k, apiVersion: _a, ...rest } = o;
    const obj = rest as KubeObj;
    const meta = obj.metadata as KubeObj['metadata'] & { uid?: string; creationTimestamp?: string };
    if (!meta?.name) throw new Error(`${kind} without metadata.name`);
    if (res.namespaced && !meta.namespace) meta.namespace = 'default';
    meta.uid ??= randomUUID();
    meta.resourceVersion ??= String(++this.rv);
    meta.creationTimestamp ??= new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    const key = `${res.group}/${res.resource}`;
    let src = this.statics.get(key);
    if (!src) this.statics.set(key, (src = new StaticSource()));
    src.put(obj);
  }

  /** Simulates etcd compaction: every continue token handed out so far expires (410 Gone). */
  compact(): void {
    this.compactedRv = ++this.rv;
  }

  /** Adds a handler for authorized resource requests the core does not serve (see extension.ts). */
  use(ext: ServerExtension): void {
    this.extensions.push(ext);
  }

  /** The writable store of a resource (created on first use), for extensions. */
  staticsFor(res: ServerResource): StaticSource {
    const key = `${res.group}/${res.resource}`;
    let src = this.statics.get(key);
    if (!src) this.statics.set(key, (src = new StaticSource()));
    return src;
  }

  /** The next resourceVersion, for extensions that write. */
  nextResourceVersion(): number {
    return ++this.rv;
  }

  get resourceVersion(): number {
    return this.rv;
  }

  private source(res: ServerResource): ObjectSource {
    const key = `${res.group}/${res.resource}`;
    return this.sources.get(key) ?? this.statics.get(key) ?? EMPTY;
  }

  // ---------------------------------------------------------------------------------------------

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = Date.now();
    const url = new URL(req.url ?? '/', 'https://x');
    const path = url.pathname.replace(/\/+$/, '') || '/';
    let status = 0;
    let user = '';
    let cut = false;
    const send = async (code: number, body: string | Buffer, type = 'application/json', extra: Record<string, string> = {}) => {
      status = code;
      let payload = typeof body === 'string' ? Buffer.from(body) : body;
      const headers: Record<string, string> = {
        'Audit-Id': randomUUID(),
        'Cache-Control': 'no-cache, private',
        'Content-Type': type,
        'X-Kubernetes-Pf-Flowschema-Uid': '3f3a9c2e-5d77-4a57-9a43-8a1d6a30d1a1',
        'X-Kubernetes-Pf-Prioritylevel-Uid': '6c1d2f5b-9f0e-4a3b-8c77-0d9e1b2c3a4f',
        ...extra,
      };
      if ((this.opts.gzip ?? true) && payload.length > GZIP_THRESHOLD && /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''))) {
        payload = await gzipAsync(payload, { level: 1 });
        headers['Content-Encoding'] = 'gzip';
      }
      headers['Content-Length'] = String(payload.length);
      if (!res.destroyed) {
        res.writeHead(code, headers);
        if (cut && code === 200) res.write(payload.subarray(0, payload.length >> 1), () => res.destroy());
        else res.end(payload);
      }
      this.record(req, url, user, status, started);
    };
    const sendStatus = (s: S.Status, extra: Record<string, string> = {}) => send(s.code, JSON.stringify(s), 'application/json', extra);
    try {
      const who = this.authenticate(req);
      if (!who) return void (await sendStatus(S.unauthorized()));
      user = who.user;
      const info: RequestInfo = { method: req.method ?? 'GET', path, query: url.searchParams, user };
      const cb = this.faults.cutBody;
      if (cb && cb.times > 0 && cb.match(info)) {
        cb.times--;
        cut = true;
      }
      if (!(await this.applyFaults(info, req, res, sendStatus))) {
        // A fault that answered was recorded by send(); one that left the request hanging was not.
        if (status === 0) this.record(req, url, user, 0, started);
        return;
      }
      await this.route(req.method ?? 'GET', path, url.searchParams, who, send, sendStatus, req, res);
    } catch (err) {
      await sendStatus(S.internalError((err as Error).message));
    }
  }

  private record(req: IncomingMessage, url: URL, user: string, status: number, started: number): void {
    const max = this.opts.logRequests ?? 10_000;
    if (max <= 0) return;
    this.requests.push({ at: started, method: req.method ?? 'GET', path: url.pathname, query: Object.fromEntries(url.searchParams), user, status, ms: Date.now() - started, headers: req.headers });
    if (this.requests.length > max) this.requests.splice(0, this.requests.length - max);
  }

  private authenticate(req: IncomingMessage): TokenUser | undefined {
    const auth = req.headers.authorization;
    if (auth) {
      const m = /^Bearer\s+(.+)$/i.exec(auth);
      if (!m) return undefined;
      return this.tokens.get(m[1]!.trim());
    }
    const sock = req.socket as TLSSocket;
    if (sock.authorized) {
      const cert = sock.getPeerCertificate();
      if (cert && cert.subject) {
        const cn = String(cert.subject.CN ?? '');
        const o = cert.subject.O;
        const groups = o === undefined ? [] : Array.isArray(o) ? o.map(String) : [String(o)];
        return { user: cn, groups, ...(groups.includes('system:masters') ? {} : { rules: this.certRules(cn) }) };
      }
    }
    if (this.opts.anonymous === false) return undefined;
    return { user: 'system:anonymous', groups: ['system:unauthenticated'], rules: [] };
  }

  /** Client-certificate users other than system:masters get the rules of a token with the same user name. */
  private certRules(user: string): PolicyRule[] {
    for (const u of this.tokens.values()) if (u.user === user && u.rules) return u.rules;
    return [];
  }

  private authorize(who: TokenUser, a: AuthzRequest): boolean {
    if (a.path !== undefined && allows(PUBLIC_INFO_RULES, a)) return true;
    if (!who.rules) return true;
    return allows(who.rules, a);
  }

  /** Returns false when the request was answered (or deliberately left hanging) by a fault. */
  private async applyFaults(info: RequestInfo, req: IncomingMessage, _res: ServerResponse, sendStatus: (s: S.Status, extra?: Record<string, string>) => Promise<void>): Promise<boolean> {
    const f = this.faults;
    if (f.hang?.(info)) return false;
    const delay = typeof f.delayMs === 'function' ? f.delayMs(info) : (f.delayMs ?? 0);
    if (delay > 0) {
      await new Promise((r) => setTimeout(r, delay));
      if (req.socket.destroyed) return false;
    }
    if (f.throttle && f.throttle.times > 0 && (!f.throttle.match || f.throttle.match(info))) {
      f.throttle.times--;
      await sendStatus(S.tooManyRequests(f.throttle.retryAfterSeconds), { 'Retry-After': String(f.throttle.retryAfterSeconds) });
      return false;
    }
    for (const e of f.errors ?? []) {
      if (e.times > 0 && e.match(info)) {
        e.times--;
        await sendStatus(e.status === 503 ? S.serviceUnavailable('the server is currently unable to handle the request') : S.internalError('etcdserver: request timed out'));
        return false;
      }
    }
    return true;
  }

  private async route(
    method: string,
    path: string,
    q: URLSearchParams,
    who: TokenUser,
    send: (code: number, body: string | Buffer, type?: string, extra?: Record<string, string>) => Promise<void>,
    sendStatus: (s: S.Status, extra?: Record<string, string>) => Promise<void>,
    req?: IncomingMessage,
    response?: ServerResponse,
  ): Promise<void> {
    const json = (v: unknown) => send(200, JSON.stringify(v));
    const nonResource = async (fn: () => Promise<void>) => {
      const verb = method === 'GET' || method === 'HEAD' ? 'get' : method.toLowerCase();
      if (!this.authorize(who, { verb, path })) return sendStatus(S.forbidden({ user: who.user, verb, group: '', resource: '', path }));
      return fn();
    };
    if (path === '/version') return nonResource(() => json(this.version));
    if (path === '/healthz' || path === '/livez' || path === '/readyz' || /^\/(livez|readyz|healthz)\//.test(path)) return nonResource(() => this.healthz(path, q, send));
    if (path === '/api') return nonResource(() => json({ kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: `${this.opts.host ?? '127.0.0.1'}:${this.port}` }] }));
    if (path === '/apis') return nonResource(() => json(this.groupList()));
    const seg = path.split('/').filter(Boolean);
    let group: string;
    let version: string;
    let rest: string[];
    if (seg[0] === 'api' && seg.length >= 2) {
      group = '';
      version = seg[1]!;
      rest = seg.slice(2);
    } else if (seg[0] === 'apis' && seg.length >= 2) {
      group = seg[1]!;
      if (seg.length === 2) {
        const g = this.groupList().groups.find((x) => x.name === group);
        return nonResource(() => (g ? json({ kind: 'APIGroup', apiVersion: 'v1', ...g }) : sendStatus(S.notFoundPath())));
      }
      version = seg[2]!;
      rest = seg.slice(3);
    } else return nonResource(() => sendStatus(S.notFoundPath()));
    if (rest.length === 0) {
      const list = this.resourceList(group, version);
      return nonResource(() => (list ? json(list) : sendStatus(S.notFoundPath())));
    }
    // Resource requests.
    let namespace: string | undefined;
    let resName: string;
    let name: string | undefined;
    let sub: string[] = [];
    if (rest[0] === 'namespaces' && rest.length >= 3 && findResource(group, rest[2]!)?.namespaced) {
      namespace = rest[1];
      resName = rest[2]!;
      name = rest[3];
      sub = rest.slice(4);
    } else {
      resName = rest[0]!;
      name = rest[1];
      sub = rest.slice(2);
    }
    const res = findResource(group, resName);
    if (!res || res.version !== version) return sendStatus(S.notFoundPath());
    const isList = name === undefined;
    const verb = method === 'GET' ? (isList ? (q.get('watch') === 'true' || q.get('watch') === '1' ? 'watch' : 'list') : 'get') : method === 'POST' ? 'create' : method === 'PUT' ? 'update' : method === 'PATCH' ? 'patch' : method === 'DELETE' ? (isList ? 'deletecollection' : 'delete') : method.toLowerCase();
    const subresource = sub[0];
    const authzResource = subresource ? `${res.resource}/${subresource}` : res.resource;
    if (!this.authorize(who, { verb, group, resource: authzResource, ...(name ? { name } : {}) })) {
      return sendStatus(S.forbidden({ user: who.user, verb, group, resource: res.resource, ...(subresource ? { subresource } : {}), ...(namespace ? { namespace } : {}), ...(name ? { name } : {}) }));
    }
    for (const ext of this.extensions) {
      if (req && response && (await ext.handle({ method, verb, res, namespace, name, sub, query: q, who, req, response }, { send, sendStatus }))) return;
    }
    if (method !== 'GET') return sendStatus(S.methodNotAllowed());
    if (verb === 'watch') return sendStatus(S.badRequest('watch is not supported by the test API server'));
    if (subresource) {
      if (res.resource === 'nodes' && subresource === 'proxy' && sub[1] === 'configz') return this.configz(name!, res, json, sendStatus);
      return sendStatus(S.notFoundPath());
    }
    if (!isList) {
      const src = this.source(res);
      const key = res.namespaced ? `${namespace ?? ''}/${name}` : name!;
      const i = lowerBound(src, key);
      if (i >= src.size || src.keyAt(i) !== key || (res.namespaced && !namespace)) return sendStatus(S.notFound(group, res.resource, name!));
      return json({ kind: res.kind, apiVersion: groupVersion(res), ...src.objectAt(i) });
    }
    return this.list(res, namespace, q, path, who, send, sendStatus);
  }

  private async list(
    res: ServerResource,
    namespace: string | undefined,
    q: URLSearchParams,
    path: string,
    who: TokenUser,
    send: (code: number, body: string | Buffer, type?: string) => Promise<void>,
    sendStatus: (s: S.Status) => Promise<void>,
  ): Promise<void> {
    const src = this.source(res);
    let lo = 0;
    let hi = src.size;
    if (namespace !== undefined && res.namespaced) {
      lo = lowerBound(src, `${namespace}/`);
      hi = lowerBound(src, `${namespace}0`); // "0" follows "/"
    }
    let fieldReqs;
    let labelReqs;
    try {
      fieldReqs = q.get('fieldSelector') ? parseFieldSelector(q.get('fieldSelector')!, res.fields) : [];
      labelReqs = q.get('labelSelector') ? parseLabelSelector(q.get('labelSelector')!) : [];
    } catch (err) {
      return sendStatus(S.badRequest((err as Error).message));
    }
    const limit = Math.max(0, Number(q.get('limit') ?? 0) || 0);
    let listRv = this.rv;
    let start = lo;
    const cont = q.get('continue');
    if (cont) {
      let tok;
      try {
        tok = decodeContinue(cont);
      } catch (err) {
        return sendStatus(S.badRequest((err as Error).message));
      }
      const info: RequestInfo = { method: 'GET', path, query: q, user: who.user };
      const ef = this.faults.expireContinue;
      const matches = !!ef && (!ef.match || ef.match(info));
      if (matches) ef!.seen = (ef!.seen ?? 0) + 1;
      const injected = matches && ef!.times > 0 && ef!.seen! >= ef!.afterPages;
      if (injected) ef!.times--;
      if (injected || (tok.rv !== -1 && tok.rv < this.compactedRv)) {
        const fresh = injected && ef!.withFreshToken === false ? undefined : encodeContinue({ rv: -1, start: tok.start });
        return sendStatus(S.expired(fresh));
      }
      listRv = tok.rv === -1 ? this.rv : tok.rv;
      start = Math.max(lo, lowerBound(src, tok.start));
    }
    const filtered = fieldReqs.length > 0 || labelReqs.length > 0;
    const parts: string[] = [];
    let i = start;
    let lastKey: string | undefined;
    for (; i < hi && (limit === 0 || parts.length < limit); i++) {
      if (filtered && !this.matches(src, i, fieldReqs, labelReqs)) {
        lastKey = src.keyAt(i);
        continue;
      }
      parts.push(JSON.stringify(src.objectAt(i)));
      lastKey = src.keyAt(i);
    }
    let more = i < hi;
    if (more && filtered) {
      // Like the etcd3 store, say "no more" when nothing after this page matches.
      let j = i;
      while (j < hi && !this.matches(src, j, fieldReqs, labelReqs)) j++;
      more = j < hi;
    }
    const meta: string[] = [`"resourceVersion":"${listRv}"`];
    if (more && lastKey !== undefined) {
      meta.push(`"continue":"${encodeContinue({ rv: listRv, start: `${lastKey}\u0000` })}"`);
      if (!filtered) meta.push(`"remainingItemCount":${hi - i}`);
    }
    const body = `{"kind":"${res.kind}List","apiVersion":"${groupVersion(res)}","metadata":{${meta.join(',')}},"items":[${parts.join(',')}]}`;
    return send(200, body);
  }

  private matches(src: ObjectSource, i: number, fieldReqs: ReturnType<typeof parseFieldSelector>, labelReqs: ReturnType<typeof parseLabelSelector>): boolean {
    let obj: KubeObj | undefined;
    for (const r of fieldReqs) {
      let v = src.fieldAt?.(i, r.field);
      if (v === undefined) v = fieldValue((obj ??= src.objectAt(i)), r.field);
      if ((v === r.value) !== (r.op === '=')) return false;
    }
    if (labelReqs.length > 0 && !labelsMatch(labelReqs, (obj ??= src.objectAt(i)).metadata.labels)) return false;
    return true;
  }

  private async configz(node: string, res: ServerResource, json: (v: unknown) => Promise<void>, sendStatus: (s: S.Status) => Promise<void>): Promise<void> {
    const src = this.source(res);
    const i = lowerBound(src, node);
    if (i >= src.size || src.keyAt(i) !== node) return sendStatus(S.notFound('', 'nodes', node));
    const doc = this.opts.configz?.(node);
    if (!doc) return sendStatus(S.serviceUnavailable(`error trying to reach service: dial tcp 10.0.0.1:10250: connect: connection refused`));
    return json(doc);
  }

  private async healthz(path: string, q: URLSearchParams, send: (code: number, body: string, type?: string, extra?: Record<string, string>) => Promise<void>): Promise<void> {
    const text = 'text/plain; charset=utf-8';
    const base = path.split('/')[1]!;
    const all = base === 'readyz' ? READYZ_CHECKS : LIVEZ_CHECKS;
    const failing = new Set(this.health.failing ?? []);
    const single = path.slice(base.length + 2);
    if (single) {
      if (!all.includes(single)) return send(404, '404 page not found\n', text);
      return failing.has(single) ? send(500, `internal server error: ${single} failed\n`, text) : send(200, 'ok', text);
    }
    const excluded = new Set(q.getAll('exclude'));
    const checks = all.filter((c) => !excluded.has(c));
    const failed = checks.some((c) => failing.has(c));
    const verbose = q.has('verbose') || failed;
    if (!verbose) return send(200, 'ok', text, { 'X-Content-Type-Options': 'nosniff' });
    const lines = checks.map((c) => (failing.has(c) ? `[-]${c} failed: reason withheld` : `[+]${c} ok`));
    for (const e of excluded) lines.push(`[+]${e} excluded: ok`);
    lines.push(failed ? `${base} check failed` : `${base} check passed`);
    return send(failed ? 500 : 200, `${lines.join('\n')}\n`, text, { 'X-Content-Type-Options': 'nosniff' });
  }

  private groupList() {
    const names = [...new Set(SERVER_RESOURCES.filter((r) => r.group !== '').map((r) => r.group))];
    return {
      kind: 'APIGroupList',
      apiVersion: 'v1',
      groups: names.map((name) => {
        const versions = [...new Set(SERVER_RESOURCES.filter((r) => r.group === name).map((r) => r.version))].map((v) => ({ groupVersion: `${name}/${v}`, version: v }));
        return { name, versions, preferredVersion: versions[0]! };
      }),
    };
  }

  private resourceList(group: string, version: string) {
    const rs = SERVER_RESOURCES.filter((r) => r.group === group && r.version === version);
    if (rs.length === 0) return undefined;
    const resources: Record<string, unknown>[] = [];
    for (const r of rs) {
      resources.push({
        name: r.resource,
        singularName: r.singular,
        namespaced: r.namespaced,
        kind: r.kind,
        verbs: r.verbs,
        ...(r.shortNames ? { shortNames: r.shortNames } : {}),
        ...(r.categories ? { categories: r.categories } : {}),
        storageVersionHash: Buffer.from(`${r.group}/${r.resource}`).toString('base64').slice(0, 11) + '=',
      });
      if (r.resource === 'nodes') resources.push({ name: 'nodes/proxy', singularName: '', namespaced: false, kind: 'NodeProxyOptions', verbs: ['create', 'delete', 'get', 'patch', 'update'] });
    }
    return { kind: 'APIResourceList', ...(group ? { apiVersion: 'v1' } : {}), groupVersion: group ? `${group}/${version}` : version, resources };
  }
}

const EMPTY: ObjectSource = { size: 0, keyAt: () => '', objectAt: () => ({ metadata: { name: '' } }) };

export { keyFor };
