import { defineCheck, type FindingDraft } from '../../check.js';
import { certFileFinding } from '../cert-expiry.js';
import { nodeCertsSection } from '../../collectors/node/node-sections.js';

/** kubeadm certificates and the kubeconfigs' client certificates expiring (< 30 days warning, < 7 critical). */
export const nodeCertExpiry = defineCheck({
  id: 'node.cert.expiry',
  category: 'cluster',
  title: 'kubeadm certificates expiring',
  description:
    'Days until each certificate kubeadm manages expires: every *.crt below the PKI directory (spec.nodes.pkiDir, etcd/ included) and the client certificates of the kubeconfigs in spec.nodes.kubeconfigDir (admin.conf, super-admin.conf, kubelet.conf, controller-manager.conf, scheduler.conf; embedded `client-certificate-data` or a referenced `client-certificate` file such as kubelet-client-current.pem). One finding per file (its earliest certificate). A node with neither is an error: nothing could be checked.',
  source: { collector: 'node', section: 'certs', schema: nodeCertsSection },
  defaults: { warning: 30, critical: 7 },
  unit: 'days',
  remediation: 'On the control-plane node: `kubeadm certs check-expiration`, then `kubeadm certs renew all` and restart the control-plane static pods (kube-apiserver, kube-controller-manager, kube-scheduler, etcd); copy the new admin.conf to those who use it. The kubelet rotates its own client certificate when rotateCertificates is on.',
  remediationWorkflow: 'renew-kubeadm-certs',
  reference: 'kubernetes-mixin: apiserver/kubelet certificates < 7 days; Patrol anchors: < 30 days warning, < 7 days critical',
  evaluate({ data, target, settings, now }) {
    const out: FindingDraft[] = [];
    for (const f of data.files) {
      const t = `${target.name}:${f.path}`;
      const command =
        f.kind === 'kubeconfig'
          ? `grep client-certificate-data ${f.path} | awk '{print $2}' | base64 -d | openssl x509 -noout -subject -enddate   # or: kubeadm certs check-expiration`
          : `openssl x509 -noout -subject -issuer -enddate -in ${f.path}`;
      out.push(certFileFinding(f, t, settings(t), now, command));
    }
    if (out.length === 0) {
      out.push({
        target: target.name,
        severity: 'error',
        message: `no kubeadm certificates found: ${data.pkiDirExists ? `no *.crt below ${data.pkiDir}` : `${data.pkiDir} does not exist`} and no kubeconfigs in ${data.kubeconfigDir}; set spec.nodes.pkiDir / kubeconfigDir, or disable node.cert.expiry for nodes that are not kubeadm nodes`,
      });
    }
    return out;
  },
});
