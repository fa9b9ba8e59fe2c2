export {
  GITHUB_MAX_WORKFLOW_INPUTS,
  GitHubConfig,
  parseGitHubConfig,
  SECRET_FIELDS as GITHUB_SECRET_FIELDS,
} from './github.config';
export {
  GITHUB_BODY_MAX,
  GITHUB_INPUT_VALUE_MAX,
  GITHUB_LOOKBACK_MS,
  GITHUB_SECONDARY_LIMIT_WAIT_MS,
  GITHUB_TITLE_MAX,
  GitHubIntegration,
  issueMarker as githubIssueMarker,
} from './github.integration';
