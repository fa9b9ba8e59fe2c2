export {
  GitLabConfig,
  parseGitLabConfig,
  SECRET_FIELDS as GITLAB_SECRET_FIELDS,
} from './gitlab.config';
export {
  defaultVariables as gitlabDefaultVariables,
  GITLAB_DESCRIPTION_MAX,
  GITLAB_TITLE_MAX,
  GITLAB_VARIABLE_MAX,
  GitLabIntegration,
  issueMarker as gitlabIssueMarker,
} from './gitlab.integration';
