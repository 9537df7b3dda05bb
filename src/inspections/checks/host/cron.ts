import { defineCheck } from '../../check.js';
import { cronSection, type CronSection } from '../../collectors/host/host-sections.js';
import { severityParam } from './settings.js';

type Job = CronSection['jobs'][number];

/** A job as compared across runs: where it is, when, as whom, what (line numbers left out: moving a line is no change). */
const jobKey = (j: Job) => `${j.file}: ${j.schedule}${j.user ? ` ${j.user}` : ''} ${j.command}`.slice(0, 300);

/** Cron jobs listed, and what changed since the last run. */
export const hostCronJobs = defineCheck({
  id: 'host.cron.jobs',
  category: 'host',
  title: 'Cron jobs',
  description: 'Jobs in /etc/crontab, /etc/cron.d, user crontabs (/var/spool/cron) and the /etc/cron.{hourly,daily,weekly,monthly} scripts, plus at jobs. Compared with the previous run: a job added, removed or a crontab file changed is reported as `onChange` (default warning) with the lines, so an unexpected scheduled command (a classic persistence trick) shows up the next morning.',
  source: { collector: 'host', section: 'cron', schema: cronSection },
  defaults: { onChange: 'warning' },
  remediation: 'Review the change: who added the job and why (`ls -l FILE`, config management history). Remove jobs nobody owns; keep intended ones in configuration management.',
  reference: 'Lynis SCHD-7704 (crontab and cron jobs), with Patrol\'s change tracking across runs',
  async evaluate({ data, target, settings, previous }) {
    const s = settings();
    const onChange = severityParam(s, 'onChange', 'warning');
    const jobs = data.jobs.map(jobKey);
    const files = Object.fromEntries(data.files.map((f) => [f.path, f.sha256]));
    const prev = await previous('host.cron.jobs', target.name);
    const prevJobs = Array.isArray(prev?.details?.jobs) ? (prev.details.jobs as unknown[]).map(String) : undefined;
    const prevFiles = prev?.details?.files && typeof prev.details.files === 'object' ? (prev.details.files as Record<string, string>) : undefined;
    const added = prevJobs ? jobs.filter((j) => !prevJobs.includes(j)) : [];
    const removed = prevJobs ? prevJobs.filter((j) => !jobs.includes(j)) : [];
    // A file whose content changed without a job line changing (MAILTO, PATH, a comment).
    const touched = prevFiles ? Object.keys(files).filter((p) => prevFiles[p] !== undefined && prevFiles[p] !== files[p] && !added.some((a) => a.startsWith(`${p}:`)) && !removed.some((r) => r.startsWith(`${p}:`))) : [];
    const newFiles = prevFiles ? Object.keys(files).filter((p) => prevFiles[p] === undefined && !added.some((a) => a.startsWith(`${p}:`))) : [];
    const changes: string[] = [];
    if (added.length) changes.push(`added: ${added.join(' | ')}`);
    if (removed.length) changes.push(`removed: ${removed.join(' | ')}`);
    if (newFiles.length) changes.push(`new file without jobs: ${newFiles.join(', ')}`);
    if (touched.length) changes.push(`content changed: ${touched.join(', ')}`);
    const summary = `${data.jobCount} cron job${data.jobCount === 1 ? '' : 's'} in ${data.files.length} file${data.files.length === 1 ? '' : 's'}${data.atJobs.length ? `, ${data.atJobs.length} at job${data.atJobs.length === 1 ? '' : 's'}` : ''}`;
    const message = changes.length ? `cron changed since the last run: ${changes.join('; ')} (${summary})` : prevJobs ? `${summary}; unchanged since the last run` : `${summary} (first run: recorded as the baseline)`;
    const changedLines = data.jobs.filter((j) => added.includes(jobKey(j))).map((j) => `${j.file}:${j.line}: ${j.schedule}${j.user ? ` ${j.user}` : ''} ${j.command}`);
    return [
      {
        target: target.name,
        severity: changes.length ? onChange : 'ok',
        value: data.jobCount,
        message,
        details: { jobs, files, atJobs: data.atJobs, added, removed, changedFiles: [...touched, ...newFiles] },
        ...(changedLines.length ? { evidence: { command: `grep -n '' ${[...new Set(data.jobs.filter((j) => added.includes(jobKey(j))).map((j) => j.file))].join(' ')}`, raw: changedLines.join('\n') } } : {}),
      },
    ];
  },
});

/** Lines Debian ships that do nothing on systemd hosts (a systemd timer does the work instead). */
const SYSTEMD_GUARD = /^(test -e \/run\/systemd\/system \|\||\[ -d \/run\/systemd\/system \] \|\||\[ -e \/run\/systemd\/system \] \|\|)/;

/** Cron jobs that will never run because no cron daemon is running. */
export const hostCronDaemon = defineCheck({
  id: 'host.cron.daemon',
  category: 'host',
  title: 'Cron daemon running',
  description: 'Cron jobs are configured but no cron daemon (cron, crond, cronie, fcron) is running, so they do not run. Lines that skip themselves on systemd hosts (Debian\'s `test -e /run/systemd/system ||`) and run-parts scripts without /etc/crontab or anacron to call them are not counted.',
  source: { collector: 'host', section: 'cron', schema: cronSection },
  defaults: { severity: 'warning' },
  remediation: 'Start and enable the cron daemon (`systemctl enable --now cron`, or crond on RHEL), or move the jobs to systemd timers and remove the crontab entries.',
  reference: 'Lynis SCHD-7702 (status of the cron daemon)',
  evaluate({ data, target, settings }) {
    const effective = data.jobs.filter((j) => (j.line === 0 ? data.runParts : !(data.systemd && SYSTEMD_GUARD.test(j.command))));
    if (data.daemon) return [{ target: target.name, severity: 'ok', value: effective.length, message: `${data.daemon} is running (${effective.length} job${effective.length === 1 ? '' : 's'} to run)` }];
    if (effective.length === 0) return [{ target: target.name, severity: 'ok', value: 0, message: `no cron daemon and no cron jobs that need one${data.jobCount ? ` (${data.jobCount} packaged job${data.jobCount === 1 ? '' : 's'} handled by systemd timers or not scheduled)` : ''}` }];
    return [
      {
        target: target.name,
        severity: severityParam(settings(), 'severity', 'warning'),
        value: effective.length,
        message: `${effective.length} cron job${effective.length === 1 ? ' is' : 's are'} configured but no cron daemon is running, so ${effective.length === 1 ? 'it never runs' : 'they never run'}: ${effective.slice(0, 5).map((j) => `${j.file}: ${j.schedule} ${j.command}`.slice(0, 120)).join(' | ')}${effective.length > 5 ? ' ...' : ''}`,
        details: { jobs: effective.slice(0, 20).map(jobKey) },
      },
    ];
  },
});
