import { truncate } from '../integration';
import type { Notification, NotificationSeverity } from '../notification';

/** The parts of one e-mail: a single-line subject and the two alternatives of the body. */
export interface RenderedEmail {
  subject: string;
  html: string;
  text: string;
}

interface Section {
  html: string;
  text: string;
}

/** Longest value shown in a table cell, and longest debug output block (characters). */
export const EMAIL_LIMITS = { subject: 200, cell: 2000, debug: 4000, taskName: 300 } as const;

const HTML_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Escapes text for HTML element content and quoted attribute values. */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]);
}

function cell(value: string, max: number = EMAIL_LIMITS.cell): string {
  return escapeHtml(truncate(value, max));
}

/** Single line, no control characters (a header must never be split by a value). */
function oneLine(value: string): string {
  return value.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
}

export const SEVERITY_COLOURS: Record<NotificationSeverity, string> = {
  critical: '#b71c1c',
  major: '#e65100',
  minor: '#f9a825',
  warning: '#fbc02d',
  info: '#1565c0',
};
const RESOLVED_COLOUR = '#2e7d32';
const SEVERITY_ORDER: NotificationSeverity[] = ['critical', 'major', 'minor', 'warning', 'info'];

/**
 * Provisioning task statuses as OmniCRM records them in `provisioning_result_json`
 * (0 success, 1 running, 2 failed – critical, 3 failed but ignored via `ignore_errors`), with the
 * failure e-mail's colour code: green ok, red critical failure, amber failed-but-ignored.
 */
export const TASK_STATUS = {
  0: { label: 'ok', text: 'OK', colour: '#1e7e34', background: '#e6f4ea' },
  1: { label: 'running', text: 'RUNNING', colour: '#455a64', background: '#eceff1' },
  2: { label: 'failed', text: 'FAILED', colour: '#c62828', background: '#fdecea' },
  3: {
    label: 'failed (ignored)',
    text: 'FAILED-IGNORED',
    colour: '#b26a00',
    background: '#fff4e5',
  },
} as const;
export type TaskStatus = keyof typeof TASK_STATUS;

/** One task (Ansible event) of a provisioning job, as in the provisioning API's result list. */
export interface ProvisioningTask {
  event_number: number;
  event_name: string;
  provisioning_status: TaskStatus;
  /** The task's result (request/response bodies...), shown in full for critical failures. */
  provisioning_result_json?: string;
}

function formatTime(date: Date): string {
  return Number.isNaN(date.getTime())
    ? 'unknown time'
    : `${date.toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

function safeUrl(url: string | undefined): string | undefined {
  if (!url) return undefined;
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'https:' || parsed.protocol === 'http:' ? parsed.href : undefined;
  } catch {
    return undefined;
  }
}

const normalise = (name: string) => name.toLowerCase().replace(/[^a-z0-9]/g, '');

/** A value by any of its names, from the fields first (what the producer chose to show), then labels. */
function lookup(n: Notification, names: readonly string[]): string | undefined {
  const wanted = new Set(names.map(normalise));
  const field = n.fields.find((f) => wanted.has(normalise(f.name)));
  if (field) return field.value;
  return Object.entries(n.labels).find(([key]) => wanted.has(normalise(key)))?.[1];
}

function usedFieldFilter(names: readonly (readonly string[])[]): (f: { name: string }) => boolean {
  const used = new Set(names.flat().map(normalise));
  return (f) => !used.has(normalise(f.name));
}

const TABLE = 'border-collapse:collapse;width:100%;margin:8px 0 16px 0;font-size:14px';
const TH =
  'text-align:left;vertical-align:top;padding:6px 10px;border:1px solid #ddd;background:#f5f5f5;width:30%;font-weight:600';
const TD = 'text-align:left;vertical-align:top;padding:6px 10px;border:1px solid #ddd';

function rowsTable(rows: readonly { name: string; value: string }[]): Section {
  if (rows.length === 0) return { html: '', text: '' };
  const width = Math.min(24, Math.max(...rows.map((r) => r.name.length)));
  return {
    html:
      `<table role="presentation" style="${TABLE}">` +
      rows
        .map(
          (r) =>
            `<tr><th style="${TH}">${cell(r.name, 200)}</th><td style="${TD}">${cell(r.value)}</td></tr>`,
        )
        .join('') +
      '</table>',
    text: rows
      .map((r) => `${`${r.name}:`.padEnd(width + 2)}${truncate(r.value, EMAIL_LIMITS.cell)}`)
      .join('\n'),
  };
}

function badge(n: Notification): string {
  const resolved = n.status === 'resolved';
  const colour = resolved ? RESOLVED_COLOUR : SEVERITY_COLOURS[n.severity];
  const label = resolved ? 'RESOLVED' : n.severity.toUpperCase();
  return `<span style="display:inline-block;padding:2px 8px;border-radius:3px;color:#fff;background:${colour};font-size:12px;font-weight:700">${label}</span>`;
}

function header(n: Notification, heading: string): Section {
  const countNote = n.count > 1 ? ` (${n.count} notifications)` : '';
  return {
    html:
      `<h2 style="margin:0 0 8px 0;font-size:20px">${cell(heading, 300)}</h2>` +
      `<p style="margin:0 0 8px 0">${badge(n)} <span style="color:#555">${escapeHtml(formatTime(n.occurredAt))}${escapeHtml(countNote)}</span></p>` +
      (n.summary ? `<p style="margin:0 0 12px 0">${cell(n.summary)}</p>` : ''),
    text:
      `${heading}\n${'='.repeat(Math.min(heading.length, 72))}\n` +
      `${n.status === 'resolved' ? 'RESOLVED' : n.severity.toUpperCase()} · ${formatTime(n.occurredAt)}${countNote}\n` +
      (n.summary ? `\n${truncate(n.summary, EMAIL_LIMITS.cell)}\n` : ''),
  };
}

function context(n: Notification): { name: string; value: string }[] {
  const rows = [{ name: 'Subject', value: n.subject }];
  if (n.tenant) rows.push({ name: 'Tenant', value: n.tenant });
  if (n.site) rows.push({ name: 'Site', value: n.site });
  return rows;
}

function footer(n: Notification): Section {
  const url = safeUrl(n.url);
  return {
    html:
      (url
        ? `<p style="margin:12px 0"><a href="${escapeHtml(url)}" style="color:#1565c0">Open in TelcoMesh</a></p>`
        : '') +
      `<p style="color:#888;font-size:12px;margin:8px 0 0 0">Notification ${cell(n.id, 300)}</p>`,
    text: `${url ? `\nOpen in TelcoMesh: ${url}\n` : ''}\nNotification ${n.id}\n`,
  };
}

function join(...sections: Section[]): Section {
  return {
    html: sections.map((s) => s.html).join(''),
    text: sections
      .map((s) => s.text.replace(/^\n+|\n+$/g, ''))
      .filter((t) => t.length > 0)
      .join('\n\n'),
  };
}

function subsection(title: string, body: Section): Section {
  if (!body.html && !body.text) return { html: '', text: '' };
  return {
    html: `<h3 style="margin:16px 0 4px 0;font-size:16px">${escapeHtml(title)}</h3>${body.html}`,
    text: `\n${title}\n${'-'.repeat(title.length)}\n${body.text}`,
  };
}

/** Any notification: title, summary, fields table, link. */
function genericSection(n: Notification): Section {
  return join(header(n, n.title), rowsTable([...context(n), ...n.fields]), footer(n));
}

const CONFIG_ROWS = [
  { name: 'Key', names: ['Key', 'config_key', 'configKey'] },
  { name: 'Old Value', names: ['Old Value', 'old_value', 'oldValue'] },
  { name: 'New Value', names: ['New Value', 'new_value', 'newValue'] },
  { name: 'Changed By', names: ['Changed By', 'changed_by', 'user_id', 'userId'] },
  { name: 'Reason', names: ['Reason', 'change_reason', 'changeReason'] },
] as const;

/** "Configuration Changed": Key / Old Value / New Value / Changed By / Reason, then the rest. */
function configChangeSection(n: Notification): Section {
  const rows: { name: string; value: string }[] = CONFIG_ROWS.map((r) => ({
    name: r.name,
    value: lookup(n, r.names) ?? '—',
  }));
  const environment = lookup(n, ['Environment']);
  if (environment) rows.push({ name: 'Environment', value: environment });
  rows.push({ name: 'Time', value: formatTime(n.occurredAt) });
  const rest = n.fields.filter(
    usedFieldFilter([...CONFIG_ROWS.map((r) => r.names), ['Environment', 'Time']]),
  );
  const heading =
    n.status === 'resolved' ? 'Configuration Change Reverted' : 'Configuration Changed';
  return join(
    header(n, heading),
    rowsTable(rows),
    subsection('Details', rowsTable([...context(n), ...rest])),
    footer(n),
  );
}

function isTaskStatus(value: unknown): value is TaskStatus {
  return value === 0 || value === 1 || value === 2 || value === 3;
}

/**
 * The task list of a provisioning job from `provisioning_result_json` (a label or field holding
 * the JSON array the provisioning API returns). Malformed entries are counted, not shown.
 */
export function parseProvisioningTasks(n: Notification): {
  tasks: ProvisioningTask[];
  malformed: number;
  present: boolean;
} {
  const raw = lookup(n, ['provisioning_result_json']);
  if (raw === undefined) return { tasks: [], malformed: 0, present: false };
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    return { tasks: [], malformed: 1, present: true };
  }
  if (!Array.isArray(parsed)) return { tasks: [], malformed: 1, present: true };
  const tasks: ProvisioningTask[] = [];
  let malformed = 0;
  for (const entry of parsed as unknown[]) {
    if (typeof entry !== 'object' || entry === null) {
      malformed++;
      continue;
    }
    const record = entry as Record<string, unknown>;
    const status = Number(record.provisioning_status);
    if (typeof record.event_name !== 'string' || !isTaskStatus(status)) {
      malformed++;
      continue;
    }
    const result = record.provisioning_result_json;
    tasks.push({
      event_number: Number.isFinite(Number(record.event_number))
        ? Number(record.event_number)
        : tasks.length + 1,
      event_name: record.event_name,
      provisioning_status: status,
      ...(result === undefined || result === null
        ? {}
        : {
            provisioning_result_json: typeof result === 'string' ? result : JSON.stringify(result),
          }),
    });
  }
  tasks.sort((a, b) => a.event_number - b.event_number);
  return { tasks, malformed, present: true };
}

function taskTable(tasks: readonly ProvisioningTask[], malformed: number): Section {
  const html: string[] = [`<table role="presentation" style="${TABLE}">`];
  html.push(
    `<tr><th style="${TH};width:6%">#</th><th style="${TH};width:64%">Task</th><th style="${TH}">Result</th></tr>`,
  );
  const text: string[] = [];
  for (const task of tasks) {
    const style = TASK_STATUS[task.provisioning_status];
    const colours = `background:${style.background};color:${style.colour}`;
    html.push(
      `<tr data-task-status="${style.label}" style="${colours}">` +
        `<td style="${TD};${colours}">${task.event_number}</td>` +
        `<td style="${TD};${colours}">${cell(task.event_name, EMAIL_LIMITS.taskName)}</td>` +
        `<td style="${TD};${colours};font-weight:700">${escapeHtml(style.label)}</td></tr>`,
    );
    text.push(
      `[${style.text}]`.padEnd(17) +
        `${task.event_number}. ${truncate(task.event_name, EMAIL_LIMITS.taskName)}`,
    );
    if (task.provisioning_status === 2 && task.provisioning_result_json) {
      const debug = truncate(task.provisioning_result_json, EMAIL_LIMITS.debug);
      html.push(
        `<tr style="${colours}"><td style="${TD}"></td><td colspan="2" style="${TD}">` +
          `<pre style="white-space:pre-wrap;word-break:break-all;margin:0;font-size:12px;color:#333">${escapeHtml(debug)}</pre></td></tr>`,
      );
      text.push(
        debug
          .split('\n')
          .map((line) => `    ${line}`)
          .join('\n'),
      );
    }
  }
  html.push('</table>');
  if (malformed > 0) {
    const note = `${malformed} task record${malformed === 1 ? '' : 's'} could not be read.`;
    html.push(`<p style="color:#888">${note}</p>`);
    text.push(note);
  }
  return { html: html.join(''), text: text.join('\n') };
}

function pre(title: string, value: string | undefined): Section {
  if (!value) return { html: '', text: '' };
  const body = truncate(value, EMAIL_LIMITS.debug);
  return subsection(title, {
    html: `<pre style="white-space:pre-wrap;word-break:break-all;background:#f5f5f5;padding:8px;font-size:12px">${escapeHtml(body)}</pre>`,
    text: body,
  });
}

function listOf(raw: string | undefined): string[] {
  if (!raw) return [];
  try {
    const parsed: unknown = JSON.parse(raw);
    if (Array.isArray(parsed)) return parsed.map((item) => String(item));
  } catch {
    // not JSON: one cause per line
  }
  return raw
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean);
}

const CUSTOMER_ROWS = [
  { name: 'Customer', names: ['customer_name'] },
  { name: 'Customer ID', names: ['customer_id'] },
] as const;
const PRODUCT_ROWS = [
  { name: 'Product', names: ['product_name'] },
  { name: 'Product ID', names: ['product_id'] },
  { name: 'Service ID', names: ['service_id'] },
  { name: 'Provision ID', names: ['provision_id'] },
  { name: 'Playbook', names: ['provisioning_play'] },
  { name: 'Description', names: ['playbook_description'] },
  { name: 'Tasks', names: ['task_count'] },
] as const;
const FATAL_NAMES = ['exit_code', 'stdout', 'stderr', 'common_causes'] as const;

function present(
  n: Notification,
  rows: readonly { name: string; names: readonly string[] }[],
): { name: string; value: string }[] {
  return rows.flatMap((r) => {
    const value = lookup(n, r.names);
    return value === undefined ? [] : [{ name: r.name, value }];
  });
}

/**
 * The provisioning failure e-mail (OmniCRM's, sent to `provisioning.failure_list`): customer,
 * product/service, colour-coded task results with full debug output for critical failures, and
 * for a fatal error the Ansible exit code, stdout, stderr and common causes.
 */
function provisioningFailureSection(n: Notification): Section {
  const { tasks, malformed, present: hasTasks } = parseProvisioningTasks(n);
  const failed = tasks.filter((t) => t.provisioning_status === 2).length;
  const ignored = tasks.filter((t) => t.provisioning_status === 3).length;
  const ok = tasks.filter((t) => t.provisioning_status === 0).length;
  const tally = hasTasks ? `${ok} ok, ${failed} failed, ${ignored} failed but ignored` : '';
  const causes = listOf(lookup(n, ['common_causes']));
  const exitCode = lookup(n, ['exit_code']);
  const fatal = exitCode !== undefined || lookup(n, ['stdout', 'stderr']) !== undefined;
  const rest = n.fields.filter(
    usedFieldFilter([
      ...CUSTOMER_ROWS.map((r) => r.names),
      ...PRODUCT_ROWS.map((r) => r.names),
      ['provisioning_result_json', 'provisioning_status', ...FATAL_NAMES],
    ]),
  );
  return join(
    header(n, n.title || 'Provisioning Failed'),
    subsection('Customer', rowsTable(present(n, CUSTOMER_ROWS))),
    subsection('Product / Service', rowsTable(present(n, PRODUCT_ROWS))),
    hasTasks
      ? subsection(`Task results (${tally})`, taskTable(tasks, malformed))
      : { html: '', text: '' },
    fatal
      ? subsection(
          'Fatal error',
          rowsTable(exitCode === undefined ? [] : [{ name: 'Ansible exit code', value: exitCode }]),
        )
      : { html: '', text: '' },
    pre('stdout', lookup(n, ['stdout'])),
    pre('stderr', lookup(n, ['stderr'])),
    causes.length > 0
      ? subsection('Common causes', {
          html: `<ul>${causes.map((c) => `<li>${cell(c, 500)}</li>`).join('')}</ul>`,
          text: causes.map((c) => `  - ${c}`).join('\n'),
        })
      : { html: '', text: '' },
    subsection('Details', rowsTable([...context(n), ...rest])),
    footer(n),
  );
}

/** The template for one notification, chosen by its kind. */
export function renderSection(n: Notification): Section {
  switch (n.kind) {
    case 'config_change':
      return configChangeSection(n);
    case 'provisioning_failure':
      return provisioningFailureSection(n);
    default:
      return genericSection(n);
  }
}

function document(title: string, body: string): string {
  return (
    '<!DOCTYPE html><html><head><meta charset="utf-8">' +
    `<meta name="viewport" content="width=device-width"><title>${escapeHtml(title)}</title></head>` +
    '<body style="margin:0;padding:16px;font-family:Arial,Helvetica,sans-serif;color:#222;background:#fff">' +
    `<div style="max-width:760px;margin:0 auto">${body}</div></body></html>`
  );
}

function subjectLine(prefix: string, rest: string): string {
  return truncate(oneLine(prefix ? `${prefix} ${rest}` : rest), EMAIL_LIMITS.subject);
}

function singleSubject(n: Notification, prefix: string): string {
  const tag = n.status === 'resolved' ? 'RESOLVED' : n.severity.toUpperCase();
  return subjectLine(prefix, `[${tag}] ${n.title}`);
}

function digestSubject(notifications: readonly Notification[], prefix: string): string {
  const counts = SEVERITY_ORDER.map((severity) => ({
    severity,
    count: notifications.filter((n) => n.status === 'firing' && n.severity === severity).length,
  })).filter((c) => c.count > 0);
  const resolved = notifications.filter((n) => n.status === 'resolved').length;
  const parts = counts.map((c) => `${c.count} ${c.severity}`);
  if (resolved > 0) parts.push(`${resolved} resolved`);
  return subjectLine(prefix, `${notifications.length} notifications (${parts.join(', ')})`);
}

/**
 * Renders one e-mail for one notification, or a digest for several: an overview table followed
 * by each notification in its own template. Every value is HTML-escaped; links are http(s) only.
 */
export function renderEmail(
  notifications: readonly Notification[],
  options: { subjectPrefix: string },
): RenderedEmail {
  if (notifications.length === 0) throw new Error('renderEmail needs at least one notification');
  if (notifications.length === 1) {
    const [n] = notifications;
    const section = renderSection(n);
    const subject = singleSubject(n, options.subjectPrefix);
    return { subject, html: document(subject, section.html), text: `${section.text}\n` };
  }
  const subject = digestSubject(notifications, options.subjectPrefix);
  const overviewRows = notifications
    .map(
      (n, i) =>
        `<tr><td style="${TD}">${i + 1}</td><td style="${TD}">${badge(n)}</td>` +
        `<td style="${TD}">${cell(n.title, 300)}</td><td style="${TD}">${cell(n.site ?? '—', 200)}</td>` +
        `<td style="${TD}">${escapeHtml(formatTime(n.occurredAt))}</td></tr>`,
    )
    .join('');
  const overview =
    `<h2 style="margin:0 0 8px 0;font-size:20px">${notifications.length} notifications</h2>` +
    `<table role="presentation" style="${TABLE}"><tr><th style="${TH};width:4%">#</th><th style="${TH};width:12%">Severity</th>` +
    `<th style="${TH};width:44%">Title</th><th style="${TH};width:15%">Site</th><th style="${TH};width:25%">Time</th></tr>${overviewRows}</table>`;
  const sections = notifications.map(renderSection);
  const html =
    overview +
    sections
      .map(
        (s, i) =>
          `<hr style="border:none;border-top:2px solid #ddd;margin:24px 0"><p style="color:#888;margin:0 0 4px 0">${i + 1} of ${notifications.length}</p>${s.html}`,
      )
      .join('');
  const textOverview = notifications
    .map(
      (n, i) =>
        `${i + 1}. [${n.status === 'resolved' ? 'RESOLVED' : n.severity.toUpperCase()}] ${n.title}${n.site ? ` (${n.site})` : ''} · ${formatTime(n.occurredAt)}`,
    )
    .join('\n');
  const text =
    `${notifications.length} notifications\n\n${textOverview}\n` +
    sections
      .map((s, i) => `\n\n${'-'.repeat(72)}\n${i + 1} of ${notifications.length}\n\n${s.text}`)
      .join('') +
    '\n';
  return { subject, html: document(subject, html), text };
}
