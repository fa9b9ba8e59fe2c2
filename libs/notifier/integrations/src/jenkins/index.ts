export {
  JenkinsConfig,
  parseJenkinsConfig,
  SECRET_FIELDS as JENKINS_SECRET_FIELDS,
} from './jenkins.config';
export {
  eventParameters as jenkinsEventParameters,
  JENKINS_PARAMETER_MAX,
  JENKINS_RECENT_BUILDS,
  JenkinsIntegration,
  jobPath as jenkinsJobPath,
  SKIPPED_REFERENCE as JENKINS_SKIPPED_REFERENCE,
} from './jenkins.integration';
