'use strict';
// Container health probe for the Dockerfile HEALTHCHECK and docker-compose.
//
//   node healthcheck.cjs [path]        (path defaults to /health/live)
//
// Exits 0 when GET http://127.0.0.1:$PORT<path> answers 2xx within HEALTHCHECK_TIMEOUT_MS
// (default 4000), 1 otherwise. Without PORT it uses the default port of $APP.
// Plain node, no dependencies: slim images have no curl or wget.
const http = require('node:http');

const DEFAULT_PORTS = {
  gateway: 8080,
  ingestor: 8081,
  provisioning: 8082,
  'ticket-sla': 8083,
  'call-monitor': 8084,
  notifier: 8085,
};

const path = process.argv[2] || '/health/live';
const port = Number(process.env.PORT || DEFAULT_PORTS[process.env.APP || '']);
const timeoutMs = Number(process.env.HEALTHCHECK_TIMEOUT_MS || 4000);

function fail(message) {
  process.stderr.write(`healthcheck ${path}: ${message}\n`);
  process.exit(1);
}

if (!Number.isInteger(port) || port <= 0 || port > 65535) {
  fail(`no usable port (PORT=${process.env.PORT ?? ''}, APP=${process.env.APP ?? ''})`);
}

const req = http.get({ host: '127.0.0.1', port, path, timeout: timeoutMs }, (res) => {
  res.resume();
  const status = res.statusCode || 0;
  if (status >= 200 && status < 300) process.exit(0);
  fail(`HTTP ${status}`);
});
req.on('timeout', () => {
  req.destroy();
  fail(`no answer within ${timeoutMs} ms`);
});
req.on('error', (err) => fail(err.message));
