import { ProvisionJobState, type ProvisionJob } from '@telcomesh/contracts';
import { EMAIL_LIMITS, truncate, type Notification } from '@telcomesh/notifier-integrations';
import {
  firstOf,
  firstTime,
  humanize,
  notification,
  oneLine,
  slug,
  tail,
  tenantOf,
  text,
  withoutSecrets,
  type EventEnvelope,
} from './render-support';

/** Seed status of a task that failed and stopped the play (the e-mail shows its output in full). */
const TASK_FAILED = 2;
/** How much of stdout/stderr a notification carries: their ends, where Ansible reports the error. */
const OUTPUT_TAIL = 1400;

/** One entry of `provisioning_result_json` (`ProvisioningTask` of the e-mail template). */
interface TaskRecord {
  event_number: number;
  event_name: string;
  /** Passed on as is: a status the e-mail does not know is counted there as unreadable. */
  provisioning_status: number;
  provisioning_result_json?: string;
}

/**
 * The task list as the provisioning API returns it, the JSON the failure e-mail parses
 * (`parseProvisioningTasks`). Only failed tasks keep their result JSON: it is the only one the
 * e-mail shows, and the others would only make the notification heavier.
 */
export function provisioningResultJson(job: ProvisionJob): string {
  const tasks: TaskRecord[] = job.tasks.map((task, index) => {
    const result = text(task.provisioningResultJson);
    return {
      event_number: task.eventNumber > 0 ? task.eventNumber : index + 1,
      event_name: oneLine(task.eventName) || `Task ${index + 1}`,
      provisioning_status: task.provisioningStatus,
      ...(task.provisioningStatus === TASK_FAILED && result
        ? { provisioning_result_json: truncate(withoutSecrets(result), EMAIL_LIMITS.debug) }
        : {}),
    };
  });
  return JSON.stringify(tasks);
}

/** The failed task, as `3. Create account in OCS`; `''` when no task failed. */
function failedTask(job: ProvisionJob): string {
  const index = job.tasks.findIndex((t) => t.provisioningStatus === TASK_FAILED);
  if (index < 0) return '';
  const task = job.tasks[index];
  const number = task.eventNumber > 0 ? task.eventNumber : index + 1;
  return `${number}. ${oneLine(task.eventName) || 'unnamed task'}`;
}

/**
 * `provisioning.jobs.v1` → one `provisioning_failure` notification for a FAILED job, nothing for
 * any other state (queued, running, succeeded and cancelled jobs need no one's attention). Field
 * names are those the failure e-mail looks up (`Customer Name` → `customer_name`...), so it
 * renders its customer, product, colour-coded task and fatal-error sections without repeats.
 */
export function renderProvisioningFailure(
  job: ProvisionJob,
  envelope: EventEnvelope,
): Notification | undefined {
  if (job.state !== ProvisionJobState.FAILED) return undefined;
  const deprovision = text(job.action).toLowerCase() === 'deprovision';
  const product = firstOf(
    job.productName,
    job.productId && `product ${job.productId}`,
    job.playbook,
  );
  const customer = firstOf(job.customerName, job.customerId && `customer ${job.customerId}`);
  const fatal = job.fatalError;
  const failed = failedTask(job);
  const summary = firstOf(
    job.errorMessage,
    failed && `Task "${failed.replace(/^\d+\. /, '')}" failed.`,
    fatal && `The playbook could not run (exit code ${fatal.exitCode}).`,
    'The provisioning job failed.',
  );
  const causes = (fatal?.likelyCauses ?? []).map(oneLine).filter(Boolean);
  const play = text(job.playbook)
    .replace(/^.*\//, '')
    .replace(/\.ya?ml$/i, '');
  return notification({
    envelope,
    condition: `provisioning:${firstOf(job.provisionId, envelope.id)}`,
    kind: 'provisioning_failure',
    subject: `provisioning.${slug(play)}.failed`,
    title: `${deprovision ? 'Deprovisioning' : 'Provisioning'} failed: ${product || 'unknown product'}${customer ? ` for ${customer}` : ''}`,
    summary,
    severity: 'major',
    status: 'firing',
    tenant: tenantOf(job.tenantId, envelope),
    fields: [
      ['Customer Name', job.customerName],
      ['Customer ID', job.customerId],
      ['Product Name', job.productName],
      ['Product ID', job.productId],
      ['Service ID', job.serviceId],
      ['Provision ID', job.provisionId],
      ['Provisioning Play', job.playbook],
      ['Action', humanize(job.action)],
      ['Initiated By', job.initiatingUser],
      ['Error', oneLine(job.errorMessage)],
      ['Failed Task', failed],
      ['Exit Code', fatal ? String(fatal.exitCode) : undefined],
      // One cause per line: the e-mail lists them, chat shows them one under the other.
      ['Common Causes', causes.join('\n')],
      ['Stderr', fatal ? tail(fatal.stderr, OUTPUT_TAIL) : undefined],
      ['Stdout', fatal ? tail(fatal.stdout, OUTPUT_TAIL) : undefined],
    ],
    labels: {
      provision_id: job.provisionId,
      customer_id: job.customerId,
      product_id: job.productId,
      action: text(job.action).toLowerCase(),
      task_count: job.taskCount > 0 ? String(job.taskCount) : undefined,
      provisioning_result_json: job.tasks.length > 0 ? provisioningResultJson(job) : undefined,
    },
    occurredAt: firstTime([job.finishedAt, job.createdAt], envelope.time),
  });
}
