// A stranger holding unauthenticated webhook bodies open, run as a child process (its own event
// loop, so the test's own requests are not queued behind it): `connections` connections at all
// times, each declaring `declared` bytes with a bogus X-Cognigy-Signature and sending all of them
// but the last, spread over `addresses` (loopback addresses to send from) in turn. A connection
// the service drops is reopened `reopenMs` later. Started with fork(): the message 'stop' closes
// everything and the process answers with its counts ({ opened, answers: { status: n } }); it
// reports them every 250 ms meanwhile too.
const { connect } = require('node:net');

const [port, path, connections, declared, reopenMs, ...addresses] = process.argv.slice(2);
const payload = Buffer.alloc(Number(declared) - 1, 0x20);
const head =
  `POST ${path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n` +
  `Content-Length: ${declared}\r\nX-Cognigy-Signature: ${'f'.repeat(64)}\r\n\r\n`;
const sockets = new Set();
const counts = { opened: 0, answers: {} };
let running = true;
let next = 0;

function openOne() {
  const localAddress = addresses[next++ % addresses.length];
  const socket = connect({ port: Number(port), host: '127.0.0.1', localAddress });
  counts.opened++;
  sockets.add(socket);
  let answered = false;
  socket.on('connect', () => {
    socket.write(head);
    socket.write(payload);
  });
  socket.on('data', (chunk) => {
    if (answered) return;
    answered = true;
    const status = /^HTTP\/1\.1 (\d{3})/.exec(chunk.toString('latin1', 0, 12))?.[1] ?? 'other';
    counts.answers[status] = (counts.answers[status] ?? 0) + 1;
  });
  socket.on('error', () => undefined);
  socket.on('close', () => {
    sockets.delete(socket);
    if (running) setTimeout(() => running && openOne(), Number(reopenMs));
  });
}

const progress = setInterval(() => process.send({ ...counts, open: sockets.size }), 250);

process.on('message', (message) => {
  if (message !== 'stop') return;
  running = false;
  clearInterval(progress);
  for (const socket of sockets) socket.destroy();
  process.send(counts, () => process.exit(0));
});

for (let i = 0; i < Number(connections); i++) openOne();
