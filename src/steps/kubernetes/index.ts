import type { AnyStepType } from '../step-type.js';
import type { KubeConnector } from '../../kubernetes-deploy/kube-session.js';
import { createK8sApplyStepType } from './k8s-apply.js';
import { createK8sDeleteStepType } from './k8s-delete.js';
import { createK8sJobStepType } from './k8s-job.js';
import { helmStepType } from './helm.js';
import { createK8sVerifyStepType } from './k8s-verify.js';
import { createK8sRollbackStepType } from './k8s-rollback.js';
import { createK8sWaitStepType } from './k8s-wait.js';

/** The Kubernetes deploy step types; `connect` replaces how they open a cluster session. */
export function kubernetesDeployStepTypes(deps: { connect?: KubeConnector } = {}): AnyStepType[] {
  return [createK8sApplyStepType(deps), createK8sWaitStepType(deps), createK8sRollbackStepType(deps), createK8sJobStepType(deps), createK8sVerifyStepType(deps), createK8sDeleteStepType(deps), helmStepType];
}
