export * from './oss-dataset';
export * from './manual-clock';
export {
  OssBadRequest,
  OssSimulator,
  type OssRecordedRequest,
  type OssReply,
  type OssSimulatorOptions,
} from './oss-simulator';
export { answerTokenRequest, type OAuth2ClientOptions } from './oauth2-token-endpoint';
export * from './ericsson-enm.simulator';
export * from './huawei-u2000.simulator';
export * from './nokia-netact.simulator';
export * from './zte.simulator';
export * from './tmf642.simulator';
