import { SMTPServer, type SMTPServerOptions } from 'smtp-server';
import { simpleParser, type ParsedMail } from 'mailparser';
import { freePort } from './local-servers.js';

export interface ReceivedMail {
  parsed: ParsedMail;
  raw: Buffer;
  from: string;
  to: string[];
  user: string | undefined;
  /** Whether the session was encrypted (implicit TLS or STARTTLS). */
  secure: boolean;
}

export interface TestMailbox {
  port: number;
  mails: ReceivedMail[];
  /** Connections turned away with 421 so far. */
  refused: number;
  /** Turn away the next `n` connections with "421 service not available" (the server is "down"). */
  refuseNext(n: number): void;
  waitForMails(n: number, timeoutMs?: number): Promise<ReceivedMail[]>;
  close(): Promise<void>;
}

export interface SmtpServerOptions {
  /** Implicit TLS (SMTPS); otherwise STARTTLS is offered when a certificate is given. */
  secure?: boolean;
  tls?: { key: string; cert: string };
  /** Require AUTH with these credentials. */
  auth?: { user: string; pass: string };
  port?: number;
}

/**
 * A real SMTP server (smtp-server) on 127.0.0.1 that keeps every message, parsed with
 * mailparser, so tests assert what a mailbox would show: subject, HTML and text parts, attachments.
 */
export async function startSmtpServer(opts: SmtpServerOptions = {}): Promise<TestMailbox> {
  const port = opts.port ?? (await freePort());
  const mails: ReceivedMail[] = [];
  let refuseLeft = 0;
  const box: TestMailbox = {
    port,
    mails,
    refused: 0,
    refuseNext(n) {
      refuseLeft = n;
    },
    async waitForMails(n, timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      while (mails.length < n) {
        if (Date.now() > deadline) throw new Error(`expected ${n} mails, got ${mails.length}`);
        await new Promise((r) => setTimeout(r, 25));
      }
      return mails;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
  const options: SMTPServerOptions = {
    secure: opts.secure ?? false,
    ...(opts.tls ? { key: opts.tls.key, cert: opts.tls.cert } : {}),
    disabledCommands: [...(opts.tls ? [] : ['STARTTLS']), ...(opts.auth ? [] : ['AUTH'])],
    authOptional: !opts.auth,
    // AUTH over a plain connection stays refused (smtp-server's default): Patrol must use TLS for AUTH.
    size: 25 * 1024 * 1024,
    logger: false,
    onConnect(_session, cb) {
      if (refuseLeft > 0) {
        refuseLeft--;
        box.refused++;
        const err = Object.assign(new Error('service not available, try again later'), { responseCode: 421 });
        return cb(err);
      }
      cb();
    },
    onAuth(auth, _session, cb) {
      if (opts.auth && auth.username === opts.auth.user && auth.password === opts.auth.pass) return cb(null, { user: auth.username });
      cb(Object.assign(new Error('authentication failed'), { responseCode: 535 }));
    },
    onData(stream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks);
        simpleParser(raw)
          .then((parsed) => {
            mails.push({
              parsed,
              raw,
              from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
              to: session.envelope.rcptTo.map((r) => r.address),
              user: typeof session.user === 'string' ? session.user : undefined,
              secure: session.secure,
            });
            cb();
          })
          .catch((err: Error) => cb(err));
      });
    },
  };
  const server = new SMTPServer(options);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  server.on('error', () => undefined);
  return box;
}
