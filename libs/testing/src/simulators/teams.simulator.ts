import { randomBytes } from 'node:crypto';
import {
  isRecord,
  parseJson,
  SimulatorServer,
  type SimulatorOptions,
  type SimulatorRequest,
  type SimulatorResponse,
} from './simulator-server';

/** Teams' message size limit. */
export const TEAMS_MESSAGE_LIMIT_BYTES = 28 * 1024;

export interface TeamsReceivedCard {
  /** The Adaptive Card (`attachments[0].content`). */
  card: Record<string, unknown>;
  bytes: number;
}

const ELEMENT_TYPES = new Set([
  'TextBlock',
  'FactSet',
  'Container',
  'ColumnSet',
  'Image',
  'ActionSet',
  'RichTextBlock',
]);

function elementProblem(element: unknown): string | undefined {
  if (!isRecord(element) || typeof element.type !== 'string' || !ELEMENT_TYPES.has(element.type))
    return 'unknown element type';
  if (element.type === 'TextBlock' && typeof element.text !== 'string')
    return "TextBlock requires 'text'";
  if (element.type === 'FactSet') {
    if (!Array.isArray(element.facts) || element.facts.length === 0)
      return "FactSet requires 'facts'";
    for (const fact of element.facts)
      if (!isRecord(fact) || typeof fact.title !== 'string' || typeof fact.value !== 'string')
        return 'fact requires title and value';
  }
  return undefined;
}

/**
 * Why Teams would refuse this message (an `attachments` array of Adaptive Cards), or undefined.
 * https://learn.microsoft.com/microsoftteams/platform/webhooks-and-connectors/how-to/connectors-using
 */
export function teamsMessageError(message: unknown): string | undefined {
  if (!isRecord(message)) return 'body must be a JSON object';
  if (message.type !== 'message') return "type must be 'message'";
  if (!Array.isArray(message.attachments) || message.attachments.length === 0)
    return 'attachments are required';
  for (const attachment of message.attachments) {
    if (!isRecord(attachment)) return 'attachment must be an object';
    if (attachment.contentType !== 'application/vnd.microsoft.card.adaptive')
      return 'unsupported attachment contentType';
    const card = attachment.content;
    if (!isRecord(card) || card.type !== 'AdaptiveCard')
      return "content.type must be 'AdaptiveCard'";
    if (typeof card.version !== 'string' || !/^1\.[0-6]$/.test(card.version))
      return 'unsupported card version';
    if (!Array.isArray(card.body)) return 'card body is required';
    for (const element of card.body) {
      const problem = elementProblem(element);
      if (problem) return problem;
    }
    if (card.actions !== undefined) {
      if (!Array.isArray(card.actions)) return 'actions must be an array';
      for (const action of card.actions) {
        if (!isRecord(action) || typeof action.type !== 'string') return 'invalid action';
        if (
          action.type === 'Action.OpenUrl' &&
          !(typeof action.url === 'string' && /^https?:\/\//.test(action.url))
        )
          return 'Action.OpenUrl requires an absolute url';
      }
    }
  }
  return undefined;
}

const azureError = (code: string, message: string) => ({ error: { code, message } });

/**
 * A Teams Workflows webhook ("When a Teams webhook request is received"):
 * `POST /workflows/{id}/triggers/manual/paths/invoke?api-version=…&sig=…` with a message carrying
 * Adaptive Card attachments. 202 when accepted; 401 for a wrong `sig`, 404 for an unknown workflow,
 * 405 for other methods, 400 for a malformed card, 413 over 28 KB, 429 with Retry-After.
 */
export class TeamsSimulator extends SimulatorServer<TeamsReceivedCard> {
  readonly workflowId = randomBytes(16).toString('hex');
  readonly sig = randomBytes(20).toString('base64url');

  constructor(options: SimulatorOptions = {}) {
    super(options);
  }

  get webhookPath(): string {
    return `/workflows/${this.workflowId}/triggers/manual/paths/invoke`;
  }

  /** The webhook URL to configure (valid once started). */
  get webhookUrl(): string {
    const query = new URLSearchParams({
      'api-version': '2016-06-01',
      sp: '/triggers/manual/run',
      sv: '1.0',
      sig: this.sig,
    });
    return `${this.url}${this.webhookPath}?${query.toString()}`;
  }

  protected override failure(status: number, retryAfterSeconds?: number): SimulatorResponse {
    return {
      status,
      headers: retryAfterSeconds === undefined ? {} : { 'retry-after': String(retryAfterSeconds) },
      body:
        status === 429
          ? azureError('WorkflowRequestsThrottled', 'The workflow has been throttled.')
          : azureError('ServiceUnavailable', 'The service is temporarily unavailable.'),
    };
  }

  protected handle(request: SimulatorRequest): SimulatorResponse {
    if (request.path !== this.webhookPath)
      return { status: 404, body: azureError('WorkflowNotFound', 'The workflow was not found.') };
    if (request.query.get('sig') !== this.sig)
      return {
        status: 401,
        body: azureError(
          'DirectApiInvalidAuthorizationSignature',
          'The provided authorization signature is not valid for this request.',
        ),
      };
    if (request.method !== 'POST')
      return {
        status: 405,
        body: azureError(
          'TriggerRequestMethodNotValid',
          `The HTTP method for this request is not valid: expected 'Post' and actual '${request.method}'.`,
        ),
      };
    const bytes = Buffer.byteLength(request.body, 'utf8');
    if (bytes > TEAMS_MESSAGE_LIMIT_BYTES)
      return { status: 413, body: azureError('MessageTooLarge', 'The message exceeds 28 KB.') };
    const message = parseJson(request.body);
    const problem = teamsMessageError(message);
    if (problem || !isRecord(message) || !Array.isArray(message.attachments))
      return { status: 400, body: azureError('InvalidRequestContent', problem ?? 'invalid body') };
    for (const attachment of message.attachments as Record<string, unknown>[])
      this.received.push({ card: attachment.content as Record<string, unknown>, bytes });
    return { status: 202 };
  }
}
