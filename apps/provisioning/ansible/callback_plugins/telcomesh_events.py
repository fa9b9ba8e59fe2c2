# TelcoMesh provisioning: task events for the Node runner (apps/provisioning/src/runner).
# Written against ansible-core 2.14; uses only the documented callback API plus a few Task/Block
# attributes (_parent, _uuid, block/rescue/always) that have been stable since 2.9.

DOCUMENTATION = '''
    name: telcomesh_events
    type: notification
    short_description: one JSON line per task result for the TelcoMesh provisioning runner
    description:
      - Writes one JSON object per line to a file descriptor or a file (FIFO or regular) -
        C(playbook_start) with the task count, C(task_start), C(task) for each result
        (ok, failed, ignored, skipped, unreachable) with its redacted result, C(cancel_requested)
        and a final C(stats) line.
      - Secrets are redacted before anything is written - keys matching password, secret, token,
        key, Ki, OPc, authorization (and the like) at any depth, Bearer credentials, URL user-info.
      - On SIGTERM the play is not aborted - tasks of the main block that have not started fail on
        purpose so that rescue and always sections still run (rollback), and the processes of the
        task in flight are terminated when that task belongs to a main block.
      - Inert when neither TELCOMESH_EVENTS_FD nor TELCOMESH_EVENTS_PATH is set.
    requirements:
      - enable in the callbacks_enabled setting (ANSIBLE_CALLBACKS_ENABLED=telcomesh_events)
    options:
      events_fd:
        description: Inherited file descriptor to write the events to (the runner passes 3).
        env:
          - name: TELCOMESH_EVENTS_FD
        type: int
      events_path:
        description: File or FIFO to append the events to, when no descriptor is given.
        env:
          - name: TELCOMESH_EVENTS_PATH
        type: path
      max_result_bytes:
        description: A task result serialized larger than this is replaced by a truncated summary.
        default: 262144
        env:
          - name: TELCOMESH_EVENTS_MAX_RESULT_BYTES
        type: int
'''

import errno
import json
import os
import re
import select
import signal
import threading
import time

from ansible import constants as C
from ansible.playbook.block import Block
from ansible.plugins.callback import CallbackBase

REDACTED = '[REDACTED]'
CANCEL_MESSAGE = 'Cancelled by TelcoMesh: this task did not run, rescue and always sections still run'

# Same rules as apps/provisioning/src/runner/redaction.ts; keep the two in step.
_SECRET_FRAGMENT = re.compile(
    r'pass(?:word|wd|phrase)|secret|token|authori[sz]ation|api[-_]?key|private[-_]?key|'
    r'credential|cookie',
    re.IGNORECASE,
)
# Short names are matched as whole words only: "ki" must not catch "kind" or "skipped".
_SECRET_WORD = re.compile(r'^(?:key|keys|ki|k|op|opc|pin\d?|puk\d?|adm\d?|pwd|pass)$')
_CAMEL_BOUNDARY = re.compile(r'([a-z0-9])([A-Z])')
_WORD_SPLIT = re.compile(r'[^A-Za-z0-9]+')
_AUTH_SCHEME = re.compile(r'\b(Bearer|Basic)\s+[A-Za-z0-9\-._~+/=]+', re.IGNORECASE)
_URL_USERINFO = re.compile(r'([a-z][a-z0-9+.\-]*://)[^/\s@"\']+@', re.IGNORECASE)
_QUOTED_PAIR = re.compile(
    r'(["\'])([A-Za-z0-9_.\-]{1,64})\1(\s*:\s*)("(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'|[^\s,}\]]+)'
)
_ASSIGNMENT = re.compile(r'\b([A-Za-z0-9_.\-]{1,64})=([^\s&"\',;]+)')
_MAX_DEPTH = 32


def is_secret_key(key):
    text = str(key)
    if _SECRET_FRAGMENT.search(text):
        return True
    words = _WORD_SPLIT.split(_CAMEL_BOUNDARY.sub(r'\1 \2', text))
    return any(_SECRET_WORD.match(word.lower()) for word in words if word)


def redact_text(text):
    text = _AUTH_SCHEME.sub(lambda m: m.group(1) + ' ' + REDACTED, text)
    text = _URL_USERINFO.sub(lambda m: m.group(1) + REDACTED + '@', text)
    text = _QUOTED_PAIR.sub(
        lambda m: m.group(0)
        if not is_secret_key(m.group(2))
        else '%s%s%s%s"%s"' % (m.group(1), m.group(2), m.group(1), m.group(3), REDACTED),
        text,
    )
    return _ASSIGNMENT.sub(
        lambda m: m.group(0) if not is_secret_key(m.group(1)) else m.group(1) + '=' + REDACTED,
        text,
    )


def redact(value, depth=0):
    """Deep copy with secret-named keys replaced and credentials removed from strings."""
    if depth > _MAX_DEPTH:
        return REDACTED
    if isinstance(value, dict):
        return {
            str(k): (REDACTED if is_secret_key(k) and v is not None else redact(v, depth + 1))
            for k, v in value.items()
        }
    if isinstance(value, (list, tuple, set)):
        return [redact(v, depth + 1) for v in value]
    if isinstance(value, str):
        return redact_text(str(value))
    if value is None or isinstance(value, (bool, int, float)):
        return value
    return redact_text(str(value))


def task_placement(task):
    """Which section of its blocks a task sits in: innermost section, and whether any enclosing
    block holds it in a rescue or an always section (a task in a block nested in a rescue is
    part of the rollback)."""
    innermost = None
    in_rescue = False
    in_always = False
    child, parent = task, getattr(task, '_parent', None)
    for _ in range(64):  # guards against a malformed parent chain
        if parent is None:
            break
        if isinstance(parent, Block):
            uuid = getattr(child, '_uuid', None)
            for section in ('block', 'rescue', 'always'):
                if any(getattr(t, '_uuid', None) == uuid for t in (getattr(parent, section) or [])):
                    innermost = innermost or section
                    in_rescue = in_rescue or section == 'rescue'
                    in_always = in_always or section == 'always'
                    break
        child, parent = parent, getattr(parent, '_parent', None)
    return innermost or 'block', in_rescue, in_always


def _public(result):
    """Drops Ansible's internal bookkeeping keys (_ansible_no_log, _ansible_verbose_always...)."""
    return {k: v for k, v in result.items() if not str(k).startswith('_ansible_')}


def _is_meta(task):
    return getattr(task, 'action', None) in C._ACTION_META


def count_tasks(playbook):
    """Tasks known before the run, per play: every non-meta task of pre_tasks, roles (with their
    dependencies), tasks and post_tasks, descending into block, rescue and always, plus the fact
    gathering task when the play gathers facts. A dynamic include counts as one task (what it
    includes is not known until it runs); handlers and loop items are not counted. With several
    hosts each host produces its own results, so the count is per host. It is an upper bound of a
    run: a successful run skips rescue sections and a failed one the rest of its block."""
    plays = []
    for play in playbook.get_plays():
        counts = {'main': 0, 'rescue': 0, 'always': 0, 'gather_facts': 0}

        def walk(block, inherited):
            for section in ('block', 'rescue', 'always'):
                where = inherited if inherited != 'main' else ('main' if section == 'block' else section)
                for item in getattr(block, section) or []:
                    if isinstance(item, Block):
                        walk(item, where)
                    elif not _is_meta(item):
                        counts[where] += 1

        blocks = list(play.pre_tasks or [])
        for role in play.roles or []:
            for dependency in role.get_all_dependencies():
                blocks.extend(dependency.get_task_blocks())
            blocks.extend(role.get_task_blocks())
        blocks.extend(play.tasks or [])
        blocks.extend(play.post_tasks or [])
        for block in blocks:
            walk(block, 'main')
        gather = play.gather_facts
        if gather is None:
            gather = C.DEFAULT_GATHERING != 'explicit'
        counts['gather_facts'] = 1 if gather else 0
        plays.append({'name': play.get_name(), 'task_count': sum(counts.values()), 'sections': counts})
    return plays


def _force_failure(task):
    """Turns a task that has not started into a plain failure so its block goes to rescue."""
    task.action = 'ansible.builtin.fail'
    task.resolved_action = 'ansible.builtin.fail'
    task.args = {'msg': CANCEL_MESSAGE}
    task.when = []
    task.loop = None
    task.loop_with = None
    task.until = []
    task.failed_when = []
    task.changed_when = []
    task.ignore_errors = False
    task.delegate_to = None
    task.async_val = 0
    task.notify = []


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = 'notification'
    CALLBACK_NAME = 'telcomesh_events'
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self, display=None):
        super().__init__(display=display)
        self._fd = None
        self._owns_fd = False
        self._broken = False
        self._seq = 0
        self._controller_pid = os.getpid()
        self._current = (None, True)  # (task uuid, is cleanup) of the task in flight
        self._forced = {}  # uuid -> original action of tasks failed on purpose
        self._cancel = threading.Event()
        self._cancel_reason = None
        self._finished = False
        # The watchdog thread writes too (cancel_requested): one line at a time.
        self._lock = threading.Lock()

    def set_options(self, task_keys=None, var_options=None, direct=None):
        super().set_options(task_keys=task_keys, var_options=var_options, direct=direct)
        fd = self.get_option('events_fd')
        path = self.get_option('events_path')
        self._max_result_bytes = int(self.get_option('max_result_bytes'))
        if fd is not None:
            self._fd = int(fd)
        elif path:
            self._fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            self._owns_fd = True

    # --- output -------------------------------------------------------------------------------

    def _emit(self, event):
        with self._lock:
            self._write(event)

    def _write(self, event):
        if self._fd is None or self._broken:
            return
        self._seq += 1
        event['seq'] = self._seq
        data = (json.dumps(event, default=str, separators=(',', ':')) + '\n').encode('utf-8')
        try:
            while data:
                try:
                    written = os.write(self._fd, data)
                except BlockingIOError:
                    select.select([], [self._fd], [])
                    continue
                data = data[written:]
        except OSError as e:
            # Nobody reads the events any more (the service died): treat it as a cancellation
            # so the provisioning is rolled back instead of being left half done unrecorded.
            self._broken = True
            if e.errno in (errno.EPIPE, errno.ECONNRESET, errno.EBADF):
                self._request_cancel('event channel closed')

    def _bounded(self, result):
        try:
            size = len(json.dumps(result, default=str))
        except (TypeError, ValueError):
            size = self._max_result_bytes + 1
        if size <= self._max_result_bytes:
            return result
        summary = {'truncated': True, 'original_bytes': size}
        for key, value in result.items():
            if isinstance(value, (bool, int, float)) or value is None:
                summary[key] = value
            elif isinstance(value, str):
                summary[key] = value[:2000]
        return summary

    # --- cancellation -------------------------------------------------------------------------

    def _on_sigterm(self, signum, _frame):
        if os.getpid() != self._controller_pid:
            return  # a forked worker: it must live on to report its task's (failed) result
        self._request_cancel('SIGTERM')

    def _request_cancel(self, reason):
        if not self._cancel.is_set():
            self._cancel_reason = reason
            self._cancel.set()

    def _task_processes(self):
        """Processes started by the workers (modules, commands), never the workers themselves:
        a worker that dies makes ansible abort the whole run, rescue included."""
        parents = {}
        for entry in os.listdir('/proc'):
            if not entry.isdigit():
                continue
            try:
                with open('/proc/%s/stat' % entry, 'rb') as stat:
                    fields = stat.read().rsplit(b')', 1)[1].split()
                parents[int(entry)] = int(fields[1])
            except (OSError, IndexError, ValueError):
                continue
        workers = {pid for pid, ppid in parents.items() if ppid == self._controller_pid}
        found = []
        for pid in parents:
            if pid in workers or pid == self._controller_pid:
                continue
            ancestor, hops = parents.get(pid), 0
            while ancestor and ancestor not in workers and hops < 64:
                ancestor, hops = parents.get(ancestor), hops + 1
            if ancestor in workers:
                found.append(pid)
        return found

    def _interrupt_task_in_flight(self):
        """Runs in a daemon thread: once cancelled, keeps terminating the processes of the main
        block task that was in flight (its module may not have started when the signal came), until
        the strategy moves on to the next task. Rescue and always tasks are left to finish."""
        self._cancel.wait()
        uuid, cleanup = self._current
        interrupting = uuid is not None and not cleanup and os.path.isdir('/proc')
        self._emit({'type': 'cancel_requested', 'reason': self._cancel_reason,
                    'interrupting_task_in_flight': interrupting})
        if not interrupting:
            return
        escalate_at = time.monotonic() + 5
        while not self._finished and self._current[0] == uuid:
            sig = signal.SIGTERM if time.monotonic() < escalate_at else signal.SIGKILL
            for pid in self._task_processes():
                if self._current[0] != uuid:
                    return
                try:
                    os.kill(pid, sig)
                except OSError:
                    pass
            time.sleep(0.1)

    # --- callbacks ----------------------------------------------------------------------------

    def v2_playbook_on_start(self, playbook):
        if self._fd is None:
            return
        self._controller_pid = os.getpid()
        signal.signal(signal.SIGTERM, self._on_sigterm)
        threading.Thread(target=self._interrupt_task_in_flight, daemon=True).start()
        plays = count_tasks(playbook)
        self._emit({
            'type': 'playbook_start',
            'playbook': getattr(playbook, '_file_name', None),
            'task_count': sum(p['task_count'] for p in plays),
            'plays': plays,
        })

    def _task_start(self, task, handler):
        section, in_rescue, in_always = task_placement(task)
        cleanup = handler or in_rescue or in_always
        action = task.action
        self._current = (task._uuid, cleanup)
        if self._cancel.is_set() and not cleanup:
            _force_failure(task)
            self._forced[task._uuid] = action
        self._emit({
            'type': 'task_start',
            'task': task.get_name(),
            'task_uuid': task._uuid,
            'action': action,
            'section': section,
            'in_rescue': in_rescue,
            'in_always': in_always,
            'handler': handler,
        })

    def v2_playbook_on_task_start(self, task, is_conditional):
        self._task_start(task, False)

    def v2_playbook_on_handler_task_start(self, task):
        self._task_start(task, True)

    def _task_result(self, result, outcome, status):
        task = result._task
        section, in_rescue, in_always = task_placement(task)
        self._emit({
            'type': 'task',
            'task': result.task_name or task.get_name(),
            'task_uuid': task._uuid,
            'action': self._forced.get(task._uuid, task.action),
            'host': result._host.get_name(),
            'outcome': outcome,
            'status': status,
            'section': section,
            'in_rescue': in_rescue,
            'in_always': in_always,
            'cancelled': task._uuid in self._forced,
            'changed': bool(result._result.get('changed', False)),
            'result': self._bounded(redact(_public(result._result))),
        })

    def v2_runner_on_ok(self, result):
        self._task_result(result, 'ok', 0)

    def v2_runner_on_failed(self, result, ignore_errors=False):
        if ignore_errors:
            self._task_result(result, 'ignored', 3)
        else:
            self._task_result(result, 'failed', 2)

    def v2_runner_on_skipped(self, result):
        self._task_result(result, 'skipped', 0)

    def v2_runner_on_unreachable(self, result):
        if getattr(result._task, 'ignore_unreachable', False):
            self._task_result(result, 'unreachable', 3)
        else:
            self._task_result(result, 'unreachable', 2)

    def v2_playbook_on_stats(self, stats):
        self._finished = True
        hosts = {host: stats.summarize(host) for host in sorted(stats.processed.keys())}
        self._emit({'type': 'stats', 'hosts': hosts})
        with self._lock:
            if self._owns_fd and self._fd is not None:
                os.close(self._fd)
                self._fd = None
