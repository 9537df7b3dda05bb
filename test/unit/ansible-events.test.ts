import { parseAnsibleEventLine } from '../../src/ansible/ansible-events.js';
import { failureMessage, itemLogLine, runnerLogLine } from '../../src/ansible/event-log-line.js';
import { runnerEvent } from '../../src/ansible/ansible-events.js';

test('a valid line parses into a typed event with defaults filled in', () => {
  const r = parseAnsibleEventLine('{"event":"runner","status":"failed","host":"web1","task":"Install","taskId":"t1","msg":"boom","ts":1}');
  expect(r).toEqual({ kind: 'event', event: { event: 'runner', status: 'failed', host: 'web1', task: 'Install', taskId: 't1', msg: 'boom', ts: 1, ignoreErrors: false } });
});

test('broken lines are reported, never thrown: not JSON, no event field, a missing or invalid field', () => {
  expect(parseAnsibleEventLine('{"event":')).toMatchObject({ kind: 'invalid', error: expect.stringMatching(/^not JSON/) });
  expect(parseAnsibleEventLine('[1,2]')).toEqual({ kind: 'invalid', error: 'no "event" field' });
  expect(parseAnsibleEventLine('{"event":"runner","status":"ok","task":"x"}')).toEqual({ kind: 'invalid', error: 'runner: host: Invalid input: expected string, received undefined' });
  expect(parseAnsibleEventLine('{"event":"runner","status":"exploded","host":"h"}')).toMatchObject({ kind: 'invalid', error: expect.stringMatching(/^runner: status: /) });
});

test('event kinds from a newer plugin are recognised as unknown, not as errors', () => {
  expect(parseAnsibleEventLine('{"event":"v3_something","x":1}')).toEqual({ kind: 'unknown', event: 'v3_something' });
});

test('log lines read like Ansible: status, [host], task, and the reason for failures', () => {
  const base = { event: 'runner' as const, host: 'web1', task: 'Install nginx' };
  expect(runnerLogLine(runnerEvent.parse({ ...base, status: 'ok' }))).toEqual({ level: 'info', message: 'ok: [web1] Install nginx' });
  expect(runnerLogLine(runnerEvent.parse({ ...base, status: 'skipped', msg: 'Conditional result was False' }))).toEqual({ level: 'info', message: 'skipping: [web1] Install nginx' });
  expect(runnerLogLine(runnerEvent.parse({ ...base, status: 'failed', msg: 'No package matching nginx' }))).toEqual({ level: 'error', message: 'failed: [web1] Install nginx: No package matching nginx' });
  expect(runnerLogLine(runnerEvent.parse({ ...base, status: 'failed', msg: 'x', ignoreErrors: true }))).toEqual({ level: 'warn', message: 'failed: [web1] Install nginx: x (ignored)' });
  expect(runnerLogLine(runnerEvent.parse({ ...base, status: 'changed', delegatedTo: 'lb1' }))).toEqual({ level: 'info', message: 'changed: [web1 -> lb1] Install nginx' });
  expect(itemLogLine({ event: 'item', status: 'changed', host: 'web1', task: 'Loop', item: 'beta' })).toEqual({ level: 'info', message: 'changed: [web1] Loop (item=beta)' });
});

test('the failure reason prefers msg, then the last stderr line, then the exit code', () => {
  expect(failureMessage({ msg: 'disk full', stderr: 'x', rc: 1 })).toBe('disk full');
  // "non-zero return code" says nothing the exit code does not; stderr says why.
  expect(failureMessage({ msg: 'non-zero return code', stderr: 'line 1\nrm: cannot remove /x: Permission denied\n', rc: 1 })).toBe('rm: cannot remove /x: Permission denied');
  expect(failureMessage({ rc: 3 })).toBe('exit code 3');
  expect(failureMessage({ msg: 'non-zero return code', stderr: '', rc: 1 })).toBe('exit code 1');
  expect(failureMessage({ msg: 'MODULE FAILURE\nSee stdout/stderr for the exact error', stderr: 'Traceback (most recent call last):\nImportError: No module named foo' })).toBe('ImportError: No module named foo');
  expect(failureMessage({ msg: 'first\n  second\n' })).toBe('first | second');
});
