import type { Notification } from '../notification';
import { sampleNotification } from '../webhook/notification.fixture';
import {
  EMAIL_LIMITS,
  TASK_STATUS,
  escapeHtml,
  parseProvisioningTasks,
  renderEmail,
} from './email.templates';

const options = { subjectPrefix: '[TelcoMesh]' };

function provisioningFailure(overrides: Partial<Notification> = {}): Notification {
  return sampleNotification({
    id: 'prov-456',
    kind: 'provisioning_failure',
    subject: 'provisioning.play_psim_only.failed',
    title: 'Provisioning failed: Mobile SIM Only for John Smith',
    summary: 'Task "Create account in OCS" failed (status 2).',
    severity: 'major',
    fields: [{ name: 'Ticket', value: 'INC-7' }],
    labels: {
      provision_id: '456',
      customer_id: '123',
      customer_name: 'John <Smith>',
      product_id: '42',
      product_name: 'Mobile SIM Only',
      service_id: '789',
      provisioning_play: 'play_psim_only',
      playbook_description: 'OmniCore Service Provisioning 2024',
      provisioning_result_json: JSON.stringify([
        { event_number: 2, event_name: 'Assign SIM Card from inventory', provisioning_status: 3 },
        {
          event_number: 1,
          event_name: 'Get Product information from CRM API',
          provisioning_status: 0,
        },
        {
          event_number: 3,
          event_name: 'Create account in OCS',
          provisioning_status: 2,
          provisioning_result_json: '{"status":500,"body":"<error>OCS down</error>"}',
        },
        { event_number: 4, provisioning_status: 0 },
      ]),
    },
    ...overrides,
  });
}

/** The `<tr>` of the task row whose name contains `name`. */
function taskRow(html: string, name: string): string {
  const row = html.split('<tr').find((r) => r.includes('data-task-status') && r.includes(name));
  if (!row) throw new Error(`no row for ${name}`);
  return row;
}

describe('escapeHtml', () => {
  it('escapes the five HTML specials', () => {
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe(
      '&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;',
    );
  });
});

describe('renderEmail: one notification', () => {
  it('escapes every value the producer controls', () => {
    const evil = '<script>alert("x")</script>';
    const email = renderEmail(
      [
        sampleNotification({
          kind: 'alarm',
          title: `Cell down ${evil}`,
          summary: `Summary ${evil}`,
          site: `site-<b>1</b>`,
          fields: [{ name: `Name ${evil}`, value: `Value ${evil} & more` }],
          id: `id-${evil}`,
        }),
      ],
      options,
    );
    expect(email.html).not.toContain('<script>');
    expect(email.html).not.toContain('<b>1</b>');
    expect(email.html).toContain('Cell down &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');
    expect(email.html).toContain(
      'Value &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; more',
    );
    // The plain-text part is not HTML: it carries the text as is.
    expect(email.text).toContain(`Value ${evil} & more`);
  });

  it('links only http(s) URLs', () => {
    const link = renderEmail(
      [sampleNotification({ url: 'https://x.example/a?b=1&c="2"' })],
      options,
    );
    expect(link.html).toContain('href="https://x.example/a?b=1&amp;c=%222%22"');
    const script = renderEmail([sampleNotification({ url: 'javascript:alert(1)' })], options);
    expect(script.html).not.toContain('javascript:');
    expect(script.html).not.toContain('href=');
  });

  it('renders the generic template with title, summary, fields and link', () => {
    const email = renderEmail(
      [
        sampleNotification({
          kind: 'alarm',
          title: 'Cell down at site-001',
          severity: 'critical',
          fields: [{ name: 'Alarm ID', value: 'A-17' }],
        }),
      ],
      options,
    );
    expect(email.subject).toBe('[TelcoMesh] [CRITICAL] Cell down at site-001');
    expect(email.html).toContain(
      '<h2 style="margin:0 0 8px 0;font-size:20px">Cell down at site-001</h2>',
    );
    expect(email.html).toMatch(/<th[^>]*>Alarm ID<\/th><td[^>]*>A-17<\/td>/);
    expect(email.html).toContain('#b71c1c'); // critical badge
    expect(email.text).toMatch(/Alarm ID: +A-17/);
    expect(email.text).toContain('Open in TelcoMesh: https://telcomesh.example.com/config/');
  });

  it('marks resolved notifications and keeps the subject on one line', () => {
    const email = renderEmail(
      [sampleNotification({ kind: 'alarm', status: 'resolved', title: 'Cell\r\nBcc: x@evil' })],
      { subjectPrefix: '[NOC]' },
    );
    expect(email.subject).toBe('[NOC] [RESOLVED] Cell Bcc: x@evil');
    expect(email.html).toContain('RESOLVED');
  });

  it('renders a configuration change as in the seed', () => {
    const email = renderEmail(
      [
        sampleNotification({
          labels: { config_key: 'ignored-because-field-wins', change_reason: 'database migration' },
          fields: [
            { name: 'Key', value: 'app.database.host' },
            { name: 'Old Value', value: 'localhost' },
            { name: 'New Value', value: 'prod-db.internal' },
            { name: 'Changed By', value: 'admin@company.com' },
            { name: 'Environment', value: 'production' },
            { name: 'Ticket', value: 'CHG-1' },
          ],
        }),
      ],
      options,
    );
    expect(email.html).toContain('Configuration Changed');
    const order = ['Key', 'Old Value', 'New Value', 'Changed By', 'Reason', 'Environment', 'Time'];
    const rows = [
      ...email.html.matchAll(/<th style="[^"]*">([^<]+)<\/th><td style="[^"]*">([^<]*)<\/td>/g),
    ];
    expect(rows.slice(0, order.length).map((r) => [r[1], r[2]])).toEqual([
      ['Key', 'app.database.host'],
      ['Old Value', 'localhost'],
      ['New Value', 'prod-db.internal'],
      ['Changed By', 'admin@company.com'],
      ['Reason', 'database migration'],
      ['Environment', 'production'],
      ['Time', '2025-01-01 14:30:00 UTC'],
    ]);
    // Shown once each: the remaining field goes to Details.
    expect(email.html.match(/>Key</g)).toHaveLength(1);
    expect(email.html).toMatch(/>Ticket<\/th><td[^>]*>CHG-1</);
    expect(email.text).toMatch(/Old Value: +localhost\nNew Value: +prod-db\.internal/);
  });
});

describe('renderEmail: provisioning failure (seed 002)', () => {
  it('colour-codes task results: ok green, failed red, failed-but-ignored amber', () => {
    const { html } = renderEmail([provisioningFailure()], options);
    const ok = taskRow(html, 'Get Product information');
    const ignored = taskRow(html, 'Assign SIM Card');
    const failed = taskRow(html, 'Create account in OCS');
    expect(ok).toContain(`background:${TASK_STATUS[0].background};color:${TASK_STATUS[0].colour}`);
    expect(ok).toContain('data-task-status="ok"');
    expect(failed).toContain(
      `background:${TASK_STATUS[2].background};color:${TASK_STATUS[2].colour}`,
    );
    expect(failed).toContain('data-task-status="failed"');
    expect(ignored).toContain(
      `background:${TASK_STATUS[3].background};color:${TASK_STATUS[3].colour}`,
    );
    expect(ignored).toContain('data-task-status="failed (ignored)"');
    expect(TASK_STATUS[0].colour).toBe('#1e7e34'); // green
    expect(TASK_STATUS[2].colour).toBe('#c62828'); // red
    expect(TASK_STATUS[3].colour).toBe('#b26a00'); // amber
  });

  it('lists tasks in order with the debug output of critical failures, escaped', () => {
    const { html, text } = renderEmail([provisioningFailure()], options);
    const table = html.slice(html.indexOf('Task results'));
    expect(table.indexOf('Get Product information')).toBeLessThan(table.indexOf('Assign SIM Card'));
    expect(table.indexOf('Assign SIM Card')).toBeLessThan(table.indexOf('Create account in OCS'));
    expect(html).toContain('&quot;body&quot;:&quot;&lt;error&gt;OCS down&lt;/error&gt;&quot;');
    expect(html).not.toContain('<error>');
    expect(html).toContain('Task results (1 ok, 1 failed, 1 failed but ignored)');
    expect(html).toContain('1 task record could not be read.');
    expect(text).toMatch(/\[OK\] +1\. Get Product information from CRM API/);
    expect(text).toMatch(/\[FAILED-IGNORED\] +2\. Assign SIM Card from inventory/);
    expect(text).toMatch(/\[FAILED\] +3\. Create account in OCS\n {4}\{"status":500/);
  });

  it('shows customer and product/service details', () => {
    const { html, text } = renderEmail([provisioningFailure()], options);
    expect(html).toMatch(/>Customer<\/th><td[^>]*>John &lt;Smith&gt;</);
    expect(html).toMatch(/>Customer ID<\/th><td[^>]*>123</);
    expect(html).toMatch(/>Product<\/th><td[^>]*>Mobile SIM Only</);
    expect(html).toMatch(/>Service ID<\/th><td[^>]*>789</);
    expect(html).toMatch(/>Playbook<\/th><td[^>]*>play_psim_only</);
    expect(html).toMatch(/>Ticket<\/th><td[^>]*>INC-7</);
    expect(text).toMatch(/Customer: +John <Smith>/);
  });

  it('shows a fatal error: exit code, stdout, stderr and common causes', () => {
    const { html, text } = renderEmail(
      [
        provisioningFailure({
          labels: {
            provision_id: '9',
            exit_code: '4',
            stdout: 'ERROR! Syntax Error while loading YAML.',
            stderr: 'line 3 <here>',
            common_causes: JSON.stringify(['YAML syntax error', 'Undefined variable']),
          },
        }),
      ],
      options,
    );
    expect(html).toContain('Fatal error');
    expect(html).toMatch(/>Ansible exit code<\/th><td[^>]*>4</);
    expect(html).toContain('line 3 &lt;here&gt;');
    expect(html).toContain('<li>Undefined variable</li>');
    expect(html).not.toContain('Task results');
    expect(text).toContain('  - YAML syntax error');
  });

  it('cuts very long debug output', () => {
    const long = 'x'.repeat(EMAIL_LIMITS.debug * 2);
    const n = provisioningFailure({
      labels: {
        provisioning_result_json: JSON.stringify([
          {
            event_number: 1,
            event_name: 'Big',
            provisioning_status: 2,
            provisioning_result_json: long,
          },
        ]),
      },
    });
    const { html } = renderEmail([n], options);
    expect(html).toContain(`${'x'.repeat(EMAIL_LIMITS.debug - 1)}…`);
    expect(html).not.toContain('x'.repeat(EMAIL_LIMITS.debug));
  });

  it('reads tasks from a field as well, and survives bad JSON', () => {
    const fromField = provisioningFailure({
      labels: {},
      fields: [
        {
          name: 'provisioning_result_json',
          value: '[{"event_number":1,"event_name":"A","provisioning_status":"2"}]',
        },
      ],
    });
    expect(parseProvisioningTasks(fromField).tasks).toEqual([
      { event_number: 1, event_name: 'A', provisioning_status: 2 },
    ]);
    expect(
      parseProvisioningTasks(provisioningFailure({ labels: { provisioning_result_json: '{' } })),
    ).toEqual({ tasks: [], malformed: 1, present: true });
  });
});

describe('renderEmail: digest', () => {
  it('renders an overview and every notification in its own template', () => {
    const batch = [
      sampleNotification({ id: 'a', kind: 'alarm', title: 'Cell down', severity: 'critical' }),
      sampleNotification({ id: 'b' }), // config change
      provisioningFailure({ id: 'c' }),
      sampleNotification({ id: 'd', kind: 'alarm', title: 'Cell up', status: 'resolved' }),
    ];
    const { subject, html, text } = renderEmail(batch, options);
    expect(subject).toBe('[TelcoMesh] 4 notifications (1 critical, 2 major, 1 resolved)');
    expect(html).toContain('4 notifications');
    expect(html.match(/of 4<\/p>/g)).toHaveLength(4);
    expect(html).toContain('Configuration Changed');
    expect(html).toContain('data-task-status="failed"');
    expect(text).toMatch(/^1\. \[CRITICAL\] Cell down \(site-001\)/m);
    expect(text).toMatch(/^4\. \[RESOLVED\] Cell up/m);
    expect(text).toContain('3 of 4');
  });

  it('refuses an empty batch', () => {
    expect(() => renderEmail([], options)).toThrow(/at least one/);
  });
});
