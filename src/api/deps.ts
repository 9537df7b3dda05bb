import type { Store } from '../store/store.js';
import type { Engine } from '../engine/engine.js';
import type { StepTypeRegistry } from '../steps/step-type-registry.js';
import type { CredentialService } from '../credentials/credential-service.js';
import type { AuthService } from '../auth/auth-service.js';
import type { RbacService } from '../auth/rbac-service.js';
import type { AuditService } from '../audit/audit-service.js';
import type { ApprovalService } from '../approvals/approval-service.js';
import type { WorkflowLibrary } from '../workflow-library/workflow-library.js';
import type { InventoryService } from '../inventories/inventory-service.js';
import type { ScheduleService } from '../schedules/schedule-service.js';
import type { Logger } from '../logging/logger.js';
import type { HealthChecks } from './health.js';

/** Sends an inspection run's report again (provided by src/reports when present). */
export interface ReportSender {
  send(runId: string, opts: { to?: string[]; requestedBy: string }): Promise<{ deliveries: { channel: string; destination: string; status: string; error?: string | null }[] }>;
}

export interface ApiSettings {
  /** Largest request body. @defaultValue 1 MiB */
  bodyLimitBytes?: number;
  /** Base URL people reach the server at (links in notifications). @defaultValue http://LISTEN */
  publicUrl?: string;
  /** Mark cookies Secure (behind TLS). @defaultValue true when publicUrl is https */
  secureCookies?: boolean;
  /** Express "trust proxy" (behind an ingress, for the client IP). @defaultValue false */
  trustProxy?: boolean | number | string;
  /** Login attempts per IP and user name per minute. @defaultValue 10 */
  loginAttemptsPerMinute?: number;
  /** How often live log streams look for new lines. @defaultValue 300 ms */
  streamPollMs?: number;
  /** SSE keep-alive comment interval. @defaultValue 15 s */
  streamKeepAliveMs?: number;
}

/** Everything the API needs, passed in by the composition root (src/server/start-server.ts). */
export interface ApiDeps {
  store: Store;
  engine: Engine;
  registry: StepTypeRegistry;
  credentials: CredentialService;
  auth: AuthService;
  rbac: RbacService;
  audit: AuditService;
  approvals: ApprovalService;
  workflows: WorkflowLibrary;
  inventories: InventoryService;
  schedules: ScheduleService;
  health: HealthChecks;
  logger: Logger;
  version: string;
  settings?: ApiSettings;
  /** Optional integrations; their routes answer 501 until provided. */
  reports?: ReportSender;
}
