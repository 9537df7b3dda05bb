import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ServerResource } from './resources.js';
import type { TokenUser } from './server.js';
import type { Status } from './status.js';

/** An authorized resource request, as the core server parsed it. */
export interface ResourceRequest {
  method: string;
  /** RBAC verb: get, list, watch, create, update, patch, delete, deletecollection. */
  verb: string;
  res: ServerResource;
  namespace: string | undefined;
  name: string | undefined;
  /** Path segments after the name: ["log"] for pods/NAME/log. */
  sub: string[];
  query: URLSearchParams;
  who: TokenUser;
  req: IncomingMessage;
  /** For streamed answers (watch, log follow); everything else answers through `send`. */
  response: ServerResponse;
}

export interface Responder {
  send(code: number, body: string | Buffer, type?: string, extra?: Record<string, string>): Promise<void>;
  sendStatus(s: Status, extra?: Record<string, string>): Promise<void>;
}

/**
 * Serves what the read-only core does not: the core authenticates and authorizes (RBAC) every
 * request first, then asks each extension in turn; `true` means the extension answered.
 */
export interface ServerExtension {
  handle(r: ResourceRequest, out: Responder): Promise<boolean>;
}

/** Awaits an answer and reports the request as handled. */
export async function answered(p: Promise<void>): Promise<true> {
  await p;
  return true;
}
