import { defineCheck, levelSeverity, thresholdOf, type FindingDraft } from '../../check.js';
import { oomSection } from '../../collectors/app/app-sections.js';
import { appTargets, durationParam, formatAge, iso } from './app-check-util.js';

export const appProcessOomKills = defineCheck({
  id: 'app.process.oom_kills',
  category: 'app',
  title: 'OOM kills of application processes',
  description:
    "Kernel OOM killer kills (\"Killed process N (name)\", global or memory cgroup) of the application's processes within `window` (24h), read from the kernel log (/dev/kmsg, else the journal). A kill is the application's when its cgroup is under the configured cgroup, or its name matches `comm`, else `match`, else the name of a running process that `match` selects. One kill is a warning, three critical.",
  source: { collector: 'app', section: 'oom', schema: oomSection },
  defaults: { warning: 1, critical: 3, window: '24h' },
  unit: 'kills',
  remediation: 'The process needed more memory than it had: raise the memory limit (cgroup/container limit, or the host\'s RAM) or lower what it uses (heap size, worker count, caches); check app.process.memory_leak for steady growth.',
  reference: 'node-problem-detector kernel log rule (OOM), Popeye/KubeEye OOMKilled containers',
  evaluate({ data, target, settings, now }) {
    return data.items.map((it): FindingDraft => {
      const t = appTargets.process(target.name, it.name, it.host);
      if (it.error !== null) return { target: t, labels: { host: it.host }, severity: 'error', message: `${it.name} on ${it.host}: OOM kills not read: ${it.error}` };
      const s = settings(t);
      const windowMs = durationParam(s, 'window', '24h');
      const recent = it.kills.filter((k) => k.at >= now - windowMs);
      const short = !it.fromBoot && it.since !== null && it.since > now - windowMs;
      // No kills seen in a log that does not reach back over the window is not a clean bill of health.
      const severity = recent.length === 0 && short ? 'info' : levelSeverity(recent.length, s);
      const covers = short ? ` (the ${it.source ?? 'kernel'} log only goes back ${formatAge(now - (it.since ?? now))})` : '';
      const latest = recent[recent.length - 1];
      return {
        target: t,
        labels: { host: it.host },
        severity,
        value: recent.length,
        threshold: { ...thresholdOf(s), window: s.window },
        message:
          recent.length === 0
            ? `${it.name} on ${it.host}: no OOM kills in the last ${formatAge(windowMs)}${covers}`
            : `${it.name} on ${it.host}: ${recent.length} OOM kill${recent.length === 1 ? '' : 's'} in the last ${formatAge(windowMs)}, latest ${iso(latest!.at)} pid ${latest!.pid} (${latest!.process})${latest!.memcg ? ` in cgroup ${latest!.memcg}` : ''}${covers}`,
        details: { kills: recent.slice(-10).map((k) => ({ at: iso(k.at), pid: k.pid, process: k.process, memcg: k.memcg })), source: it.source },
        ...(recent.length > 0 ? { evidence: { command: it.source === 'journal' ? 'journalctl -k | grep -E "Killed process|oom-kill:"' : 'dmesg -T | grep -E "Killed process|oom-kill:"', raw: recent.map((k) => `${iso(k.at)} ${k.line}`).join('\n') } } : {}),
      };
    });
  },
});
