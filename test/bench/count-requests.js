/**
 * Preloaded (`node --require`) into the msk-gitops CLI process the bench times: counts every Kafka request the CLI's
 * kafkajs clients send (request-count.js) and, at exit, writes the count and the process's peak RSS to the file named
 * by MSK_GITOPS_BENCH_STATS. The CLI builds its clients with `new Kafka(...)` from kafkajs' exports, so replacing that
 * export before the CLI loads sees every client. Plain JavaScript: it runs beside the compiled CLI, without tsx.
 */
'use strict';
const { writeFileSync } = require('node:fs');
const kafkajs = require('kafkajs');
const { countLogEntry, emptyCount } = require('./request-count');

const count = emptyCount();

kafkajs.Kafka = class CountingKafka extends kafkajs.Kafka {
  constructor(config) {
    // The CLI logs nothing from kafkajs (logLevel NOTHING): the counting creator takes the DEBUG lines, prints none.
    super({ ...config, logLevel: kafkajs.logLevel.DEBUG, logCreator: () => (entry) => countLogEntry(count, entry) });
  }
};

process.on('exit', () => {
  const file = process.env.MSK_GITOPS_BENCH_STATS;
  if (file) writeFileSync(file, JSON.stringify({ requests: count, maxRssKiB: process.resourceUsage().maxRSS }));
});
