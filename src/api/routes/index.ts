import type { ApiDeps } from '../deps.js';
import type { AnyRoute } from '../route.js';
import type { OpenApiDocument } from '../openapi.js';
import { systemRoutes } from './system.js';
import { authRoutes } from './auth.js';
import { workflowRoutes } from './workflows.js';
import { runRoutes } from './runs.js';
import { approvalRoutes } from './approvals.js';
import { scheduleRoutes } from './schedules.js';
import { findingRoutes } from './findings.js';
import { remediationRoutes } from './remediations.js';
import { reportAlertRoutes } from './reports-alerts.js';
import { credentialRoutes } from './credentials.js';
import { inventoryRoutes } from './inventories.js';
import { userRoutes } from './users.js';
import { auditRoutes } from './audit.js';

/** The route table: every endpoint of the API, one file per resource. */
export function allRoutes(deps: ApiDeps, openapi: () => OpenApiDocument): AnyRoute[] {
  return [
    ...systemRoutes(deps, openapi),
    ...authRoutes(deps),
    ...workflowRoutes(deps),
    ...runRoutes(deps),
    ...approvalRoutes(deps),
    ...scheduleRoutes(deps),
    ...findingRoutes(deps),
    ...remediationRoutes(deps),
    ...reportAlertRoutes(deps),
    ...credentialRoutes(deps),
    ...inventoryRoutes(deps),
    ...userRoutes(deps),
    ...auditRoutes(deps),
  ];
}
