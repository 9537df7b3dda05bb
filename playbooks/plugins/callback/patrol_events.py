# Patrol's event stream for Ansible: one JSON object per line, written to a file descriptor that
# Patrol opens for ansible-playbook (see docs/ansible-step.md, "The event callback").
#
# Design constraints:
#  - A plain `ansible-playbook` run must be unaffected: the plugin needs enabling (callbacks_enabled)
#    and lives outside Ansible's default plugin paths; even when enabled it stays silent unless
#    PATROL_EVENT_FD names an open descriptor.
#  - It must add almost nothing to a run: results are encoded once, only when they are wanted
#    (registered, failed or unreachable), and each event is a single write.
#  - It must never break a run: anything that cannot be encoded is stringified, an oversized result
#    is shrunk, and a closed reader disables the plugin instead of raising.
from __future__ import annotations

DOCUMENTATION = '''
    name: patrol_events
    type: notification
    short_description: Streams playbook events to Patrol as JSON lines
    description:
      - Writes one JSON object per line (playbook start, play start, task start, per-host results,
        item results, retries, final stats including set_stats data) to the file descriptor named by
        the environment variable PATROL_EVENT_FD.
      - Does nothing when PATROL_EVENT_FD is not set, so enabling it outside Patrol is harmless.
    requirements:
      - enabled through callbacks_enabled (Patrol's generated ansible.cfg does this)
    options: {}
    notes:
      - PATROL_EVENT_RESULT_LIMIT caps the encoded size of one result (bytes, default 65536).
      - PATROL_EVENT_RESULTS=all includes the result of every task, not only registered, failed and
        unreachable ones (slower; facts are large).
'''

import json
import os
import time

from ansible import context
from ansible.module_utils.common.json import AnsibleJSONEncoder
from ansible.plugins.callback import CallbackBase

MSG_LIMIT = 2048
ITEM_LABEL_LIMIT = 512
HOST_LIST_LIMIT = 10000
# set_stats data is the playbook's deliberate output; it gets more room than one task result.
STATS_LIMIT = 1024 * 1024


class _Encoder(AnsibleJSONEncoder):
    """Ansible's encoder (vault values stay encrypted) that never fails on an unknown type."""

    def default(self, o):
        try:
            return super(_Encoder, self).default(o)
        except TypeError:
            try:
                return str(o)
            except Exception:  # pylint: disable=broad-except
                return '<unserialisable %s>' % type(o).__name__


_ENCODER = _Encoder(ensure_ascii=False, separators=(',', ':'), allow_nan=False, check_circular=True)


def _encode(value):
    try:
        return _ENCODER.encode(value)
    except (ValueError, TypeError, RecursionError) as e:
        # NaN/Infinity, circular references, non-string keys: keep the run going with a readable marker.
        return _ENCODER.encode({'_patrol_unserialisable': '%s: %s' % (type(e).__name__, e)})


def _cap_text(value, limit=MSG_LIMIT):
    if value is None:
        return None
    if not isinstance(value, str):
        value = str(value)
    if len(value) > limit:
        return value[:limit] + '... [truncated %d characters]' % (len(value) - limit)
    return value


def _shrink(value, depth=0):
    """A smaller copy: long strings and lists cut, deep nesting stringified. Only used when a result is over the limit."""
    if isinstance(value, str):
        return value if len(value) <= 4096 else value[:4096] + '... [truncated %d characters]' % (len(value) - 4096)
    if depth > 8:
        return _cap_text(value, 256)
    if isinstance(value, dict):
        return dict((k, _shrink(v, depth + 1)) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        head = [_shrink(v, depth + 1) for v in value[:100]]
        if len(value) > 100:
            head.append('... [%d more items]' % (len(value) - 100))
        return head
    return value


def _strip_internal(result):
    """Drops _ansible_* bookkeeping and the module invocation (its args may hold secrets)."""
    out = {}
    for k, v in result.items():
        if k == 'invocation' or (isinstance(k, str) and k.startswith('_ansible')):
            continue
        if k == 'results' and isinstance(v, list):
            v = [_strip_internal(i) if isinstance(i, dict) else i for i in v]
        out[k] = v
    return out


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = 'notification'
    CALLBACK_NAME = 'patrol_events'
    CALLBACK_NEEDS_ENABLED = True
    CALLBACK_NEEDS_WHITELIST = True  # the name older Ansible releases look for

    def __init__(self, display=None):
        super(CallbackModule, self).__init__(display=display)
        self._fd = None
        self._play_name = None
        fd = os.environ.get('PATROL_EVENT_FD')
        if fd:
            try:
                self._fd = int(fd)
                os.fstat(self._fd)
            except (ValueError, OSError) as e:
                self._display.warning('patrol_events: PATROL_EVENT_FD=%s is not an open file descriptor (%s); events are off' % (fd, e))
                self._fd = None
        if self._fd is None:
            self.disabled = True
        self._result_limit = int(os.environ.get('PATROL_EVENT_RESULT_LIMIT', '65536') or 65536)
        self._all_results = os.environ.get('PATROL_EVENT_RESULTS') == 'all'

    # -- output ---------------------------------------------------------------------------------

    def _write(self, line):
        if self._fd is None:
            return
        data = (line + '\n').encode('utf-8', 'replace')
        view = memoryview(data)
        try:
            while view:
                n = os.write(self._fd, view)
                view = view[n:]
        except OSError:
            # The reader went away (Patrol stopped the run); the playbook itself must not fail for it.
            self._fd = None
            self.disabled = True

    def _emit(self, event, encoded_extra=None):
        event['ts'] = int(time.time() * 1000)
        line = _encode(event)
        if encoded_extra:
            # Results are encoded separately (to measure and cap them) and spliced in, not encoded twice.
            line = line[:-1] + ''.join(',"%s":%s' % kv for kv in encoded_extra) + '}'
        self._write(line)

    def _encoded_result(self, result, limit=None):
        limit = limit or self._result_limit
        text = _encode(result)
        if len(text) <= limit:
            return text
        text = _encode(dict(_shrink(result), _patrol_truncated=True, _patrol_bytes=len(text)))
        if len(text) <= limit:
            return text
        keys = [k for k in result.keys()][:100] if isinstance(result, dict) else []
        return _encode({'_patrol_truncated': True, '_patrol_bytes': len(text), 'keys': keys, 'msg': _cap_text(result.get('msg')) if isinstance(result, dict) else None})

    # -- events ---------------------------------------------------------------------------------

    def v2_playbook_on_start(self, playbook):
        args = context.CLIARGS
        self._emit({
            'event': 'playbook_start',
            'playbook': getattr(playbook, '_file_name', None),
            'check': bool(args.get('check', False)),
            'diff': bool(args.get('diff', False)),
            'pid': os.getpid(),
        })

    def v2_playbook_on_play_start(self, play):
        self._play_name = play.get_name()
        hosts = None
        try:
            # The same resolution PlaybookExecutor uses (pattern plus --limit); private, hence guarded.
            hosts = [h.name for h in play.get_variable_manager()._inventory.get_hosts(play.hosts)]
        except Exception:  # pylint: disable=broad-except
            hosts = None
        self._emit({
            'event': 'play_start',
            'play': self._play_name,
            'playId': play._uuid,
            'pattern': play.hosts if isinstance(play.hosts, str) else list(play.hosts or []),
            'hostCount': len(hosts) if hosts is not None else None,
            'hosts': hosts[:HOST_LIST_LIMIT] if hosts is not None else None,
        })

    def _task_start(self, task, handler):
        self._emit({
            'event': 'task_start',
            'task': task.get_name(),
            'taskId': task._uuid,
            'action': task.action,
            'handler': handler,
            'play': self._play_name,
        })

    def v2_playbook_on_task_start(self, task, is_conditional):
        self._task_start(task, False)

    def v2_playbook_on_handler_task_start(self, task):
        self._task_start(task, True)

    def _runner(self, status, result, ignore_errors=False):
        task = result._task
        res = result._result if isinstance(result._result, dict) else {}
        register = getattr(task, 'register', None) or None
        event = {
            'event': 'runner',
            'status': status,
            'host': result._host.get_name(),
            'task': task.get_name(),
            'taskId': task._uuid,
            'action': task.action,
        }
        if register:
            event['register'] = register
        if ignore_errors:
            event['ignoreErrors'] = True
        delegated = res.get('_ansible_delegated_vars')
        if isinstance(delegated, dict) and delegated.get('ansible_host'):
            event['delegatedTo'] = delegated.get('ansible_delegated_host') or delegated.get('ansible_host')
        msg = res.get('msg')
        if msg is not None:
            event['msg'] = _cap_text(msg)
        if status in ('failed', 'unreachable'):
            # A module that crashed reports module_stderr (a traceback) instead of stderr.
            stderr = res.get('stderr') or res.get('module_stderr')
            if stderr:
                event['stderr'] = _cap_text(stderr)
            if isinstance(res.get('rc'), int):
                event['rc'] = res['rc']
            # A loop's own msg is "All items completed"; the first failed item says what went wrong.
            if isinstance(res.get('results'), list):
                for item in res['results']:
                    if isinstance(item, dict) and (item.get('failed') or item.get('unreachable')) and item.get('msg'):
                        label = item.get('_ansible_item_label', item.get('item'))
                        event['msg'] = _cap_text('%s (item=%s)' % (item['msg'], label if isinstance(label, str) else _encode(label)))
                        break
        if status == 'skipped' and res.get('skip_reason'):
            event['msg'] = _cap_text(res.get('skip_reason'))
        extra = None
        if register or status in ('failed', 'unreachable') or self._all_results:
            clean = _strip_internal(res)
            # Ansible's clean copy drops these two, but a registered variable carries them.
            if status == 'failed':
                clean['failed'] = True
            elif status == 'unreachable':
                clean['unreachable'] = True
            elif status == 'skipped':
                clean['skipped'] = True
            extra = [('result', self._encoded_result(clean))]
        self._emit(event, extra)

    def v2_runner_on_ok(self, result):
        self._runner('changed' if result._result.get('changed', False) else 'ok', result)

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._runner('failed', result, ignore_errors)

    def v2_runner_on_skipped(self, result):
        self._runner('skipped', result)

    def v2_runner_on_unreachable(self, result):
        self._runner('unreachable', result)

    def _item(self, status, result):
        res = result._result if isinstance(result._result, dict) else {}
        if res.get('_ansible_no_log', False):
            label = '(censored due to no_log)'
        else:
            label = res.get('_ansible_item_label', res.get('item'))
        if status == 'ok' and res.get('changed', False):
            status = 'changed'
        event = {
            'event': 'item',
            'status': status,
            'host': result._host.get_name(),
            'task': result._task.get_name(),
            'taskId': result._task._uuid,
            'item': _cap_text(label if isinstance(label, str) else _encode(label), ITEM_LABEL_LIMIT),
        }
        if status == 'failed' and res.get('msg') is not None:
            event['msg'] = _cap_text(res.get('msg'))
        self._emit(event)

    def v2_runner_item_on_ok(self, result):
        self._item('ok', result)

    def v2_runner_item_on_failed(self, result):
        self._item('failed', result)

    def v2_runner_item_on_skipped(self, result):
        self._item('skipped', result)

    def v2_runner_retry(self, result):
        res = result._result if isinstance(result._result, dict) else {}
        self._emit({
            'event': 'retry',
            'host': result._host.get_name(),
            'task': result._task.get_name(),
            'taskId': result._task._uuid,
            'attempt': res.get('attempts'),
            'retries': res.get('retries'),
        })

    def v2_playbook_on_no_hosts_matched(self):
        self._emit({'event': 'no_hosts_matched', 'play': self._play_name})

    def v2_playbook_on_no_hosts_remaining(self):
        self._emit({'event': 'no_hosts_remaining', 'play': self._play_name})

    def v2_playbook_on_stats(self, stats):
        hosts = dict((h, stats.summarize(h)) for h in sorted(stats.processed.keys()))
        self._emit({'event': 'stats', 'hosts': hosts}, [('custom', self._encoded_result(stats.custom or {}, STATS_LIMIT))])
