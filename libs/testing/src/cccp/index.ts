export * from './cccp-server-simulator';
export * from './manual-timer-clock';
