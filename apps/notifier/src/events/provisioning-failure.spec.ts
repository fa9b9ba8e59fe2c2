import type { MessageInitShape } from '@bufbuild/protobuf';
import { create, ProvisionJobState, Topics } from '@telcomesh/contracts';
import {
  parseProvisioningTasks,
  renderEmail,
  TASK_STATUS,
  type Notification,
} from '@telcomesh/notifier-integrations';
import { at, envelope } from './events.fixture';
import { renderProvisioningFailure } from './provisioning-failure';

const OCS_ERROR = '{"status":500,"body":"<error>OCS down</error>","api_key":"k-123"}';

/** The seed's failed job: a SIM-only product whose OCS account could not be created. */
function failedJob(overrides: MessageInitShape<typeof Topics.ProvisioningJobs.schema> = {}) {
  return create(Topics.ProvisioningJobs, {
    provisionId: '456',
    tenantId: 'omnitel',
    state: ProvisionJobState.FAILED,
    action: 'provision',
    playbook: 'plays/play_psim_only.yaml',
    productId: '42',
    productName: 'Mobile SIM Only',
    customerId: '123',
    customerName: 'John Smith',
    serviceId: '789',
    initiatingUser: 'u-17',
    taskCount: 5,
    tasks: [
      { eventNumber: 1, eventName: 'Get Product information from CRM API', provisioningStatus: 0 },
      {
        eventNumber: 2,
        eventName: 'Assign SIM Card from inventory',
        provisioningStatus: 3,
        provisioningResultJson: '{"msg":"no SIM in stock, using spare"}',
      },
      {
        eventNumber: 3,
        eventName: 'Create account in OCS',
        provisioningStatus: 2,
        provisioningResultJson: OCS_ERROR,
      },
    ],
    errorMessage: 'Create account in OCS failed: HTTP 500',
    createdAt: at('2025-01-01T14:00:00Z'),
    finishedAt: at('2025-01-01T14:02:30Z'),
    ...overrides,
  });
}

describe('renderProvisioningFailure', () => {
  it('renders a failed job with its customer, product and task results', () => {
    const n = renderProvisioningFailure(
      failedJob(),
      envelope({ source: '/telcomesh/provisioning' }),
    );
    expect(n).toStrictEqual({
      id: 'evt-7f3a',
      kind: 'provisioning_failure',
      subject: 'provisioning.play_psim_only.failed',
      title: 'Provisioning failed: Mobile SIM Only for John Smith',
      summary: 'Create account in OCS failed: HTTP 500',
      severity: 'major',
      status: 'firing',
      tenant: 'omnitel',
      fields: [
        { name: 'Customer Name', value: 'John Smith' },
        { name: 'Customer ID', value: '123' },
        { name: 'Product Name', value: 'Mobile SIM Only' },
        { name: 'Product ID', value: '42' },
        { name: 'Service ID', value: '789' },
        { name: 'Provision ID', value: '456' },
        { name: 'Provisioning Play', value: 'plays/play_psim_only.yaml' },
        { name: 'Action', value: 'Provision' },
        { name: 'Initiated By', value: 'u-17' },
        { name: 'Error', value: 'Create account in OCS failed: HTTP 500' },
        { name: 'Failed Task', value: '3. Create account in OCS' },
      ],
      labels: {
        condition: 'provisioning:456',
        dedup_key: 'provisioning:456',
        provision_id: '456',
        customer_id: '123',
        product_id: '42',
        action: 'provision',
        task_count: '5',
        provisioning_result_json: JSON.stringify([
          {
            event_number: 1,
            event_name: 'Get Product information from CRM API',
            provisioning_status: 0,
          },
          { event_number: 2, event_name: 'Assign SIM Card from inventory', provisioning_status: 3 },
          {
            event_number: 3,
            event_name: 'Create account in OCS',
            provisioning_status: 2,
            provisioning_result_json:
              '{"status":500,"body":"<error>OCS down</error>","api_key":"[REDACTED]"}',
          },
        ]),
      },
      occurredAt: new Date('2025-01-01T14:02:30.000Z'),
      count: 1,
    });
  });

  it('gives the e-mail template the task list it parses', () => {
    const n = renderProvisioningFailure(failedJob(), envelope()) as Notification;
    expect(parseProvisioningTasks(n)).toStrictEqual({
      present: true,
      malformed: 0,
      tasks: [
        {
          event_number: 1,
          event_name: 'Get Product information from CRM API',
          provisioning_status: 0,
        },
        { event_number: 2, event_name: 'Assign SIM Card from inventory', provisioning_status: 3 },
        {
          event_number: 3,
          event_name: 'Create account in OCS',
          provisioning_status: 2,
          provisioning_result_json:
            '{"status":500,"body":"<error>OCS down</error>","api_key":"[REDACTED]"}',
        },
      ],
    });
  });

  it('renders the failure e-mail with colour-coded tasks and each detail once', () => {
    const n = renderProvisioningFailure(failedJob(), envelope()) as Notification;
    const { html, text } = renderEmail([n], { subjectPrefix: '' });
    const row = (status: keyof typeof TASK_STATUS) =>
      html.split('<tr').find((r) => r.includes(`data-task-status="${TASK_STATUS[status].label}"`));
    expect(row(0)).toContain(TASK_STATUS[0].background);
    expect(row(3)).toContain(TASK_STATUS[3].background);
    expect(row(2)).toContain(TASK_STATUS[2].background);
    expect(text).toContain('Task results (1 ok, 1 failed, 1 failed but ignored)');
    expect(text).toContain('Customer:    John Smith');
    expect(text).toContain('Playbook:     plays/play_psim_only.yaml');
    expect(text).toContain('Tasks:        5');
    // the template found every field it knows, so "Details" repeats none of them
    const details = text.slice(text.indexOf('Details'));
    expect(details).not.toMatch(/Customer|Product|Provision ID|Provisioning Play/);
  });

  it('carries the fatal error of a play that could not run', () => {
    const longStderr = `${'x'.repeat(3000)}\nERROR! the playbook: plays/missing.yaml could not be found`;
    const n = renderProvisioningFailure(
      failedJob({
        action: 'deprovision',
        playbook: 'plays/missing.yaml',
        tasks: [],
        errorMessage: '',
        fatalError: {
          exitCode: 1,
          stdout: 'PLAY [all] ***',
          stderr: longStderr,
          likelyCauses: ['Playbook file missing', 'Wrong\nworking directory'],
        },
      }),
      envelope(),
    ) as Notification;
    expect(n.title).toBe('Deprovisioning failed: Mobile SIM Only for John Smith');
    expect(n.subject).toBe('provisioning.missing.failed');
    expect(n.summary).toBe('The playbook could not run (exit code 1).');
    expect(n.labels.provisioning_result_json).toBeUndefined();
    expect(n.fields.slice(8)).toStrictEqual([
      { name: 'Initiated By', value: 'u-17' },
      { name: 'Exit Code', value: '1' },
      { name: 'Common Causes', value: 'Playbook file missing\nWrong working directory' },
      { name: 'Stderr', value: `…${longStderr.slice(-1399)}` },
      { name: 'Stdout', value: 'PLAY [all] ***' },
    ]);
    const { text } = renderEmail([n], { subjectPrefix: '' });
    expect(text).toContain('Ansible exit code: 1');
    expect(text).toContain('  - Playbook file missing\n  - Wrong working directory');
  });

  it.each(
    [
      ProvisionJobState.UNSPECIFIED,
      ProvisionJobState.QUEUED,
      ProvisionJobState.RUNNING,
      ProvisionJobState.SUCCEEDED,
      ProvisionJobState.CANCELLED,
    ].map((state) => [ProvisionJobState[state], state] as const),
  )('renders nothing for a %s job', (_name, state) => {
    expect(renderProvisioningFailure(failedJob({ state }), envelope())).toBeUndefined();
  });

  it('renders a failed job with nothing else set without throwing', () => {
    expect(
      renderProvisioningFailure(
        create(Topics.ProvisioningJobs, {
          state: ProvisionJobState.FAILED,
          tasks: [{ provisioningStatus: 2, eventName: ' ' }],
        }),
        envelope(),
      ),
    ).toStrictEqual({
      id: 'evt-7f3a',
      kind: 'provisioning_failure',
      subject: 'provisioning.unknown.failed',
      title: 'Provisioning failed: unknown product',
      summary: 'Task "unnamed task" failed.',
      severity: 'major',
      status: 'firing',
      fields: [{ name: 'Failed Task', value: '1. unnamed task' }],
      labels: {
        condition: 'provisioning:evt-7f3a',
        dedup_key: 'provisioning:evt-7f3a',
        provisioning_result_json:
          '[{"event_number":1,"event_name":"Task 1","provisioning_status":2}]',
      },
      occurredAt: new Date('2025-01-01T15:00:00.000Z'),
      count: 1,
    });
  });
});
