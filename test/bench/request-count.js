/**
 * Counting Kafka requests at the client, from kafkajs' DEBUG log: it logs every request a connection sends
 * ("Request Metadata(key: 3, version: 6)") before it is queued, so a log creator that counts those lines sees every
 * request of every client, including ApiVersions, SaslHandshake and SaslAuthenticate on each new connection, and
 * requests that later fail or time out. Plain JavaScript, one copy for both users: requests.ts (the bench's own
 * clients, typed by request-count.d.ts) and count-requests.js (preloaded into the CLI process, which runs without tsx).
 */
'use strict';

const REQUEST_LINE = /^Request (\w+)\(key: \d+, version: \d+\)$/;

function emptyCount() {
  return { total: 0, byApi: {}, connections: 0 };
}

/** Adds one kafkajs log entry to the count; pure apart from mutating `count`. */
function countLogEntry(count, entry) {
  const message = entry.log.message;
  const match = REQUEST_LINE.exec(message);
  if (match) {
    count.total += 1;
    count.byApi[match[1]] = (count.byApi[match[1]] ?? 0) + 1;
  } else if (message === 'Connecting' && entry.namespace === 'Connection') {
    count.connections += 1;
  }
}

module.exports = { emptyCount, countLogEntry };
