// The ceiling for the ingest bench: a bare uWebSockets.js server that only reads the body,
// parses the JSON and answers 202. Whatever the real edge does beyond this is our overhead.
// Several of these may listen on one port (uWS sets SO_REUSEPORT), which shows whether a
// second core helps at all while the load generator shares the machine.
import uWS from 'uWebSockets.js';

const port = Number(process.argv[2] ?? '0');
const app = uWS.App();
app.post('/*', (res) => {
  let aborted = false;
  res.onAborted(() => {
    aborted = true;
  });
  const chunks: Buffer[] = [];
  res.onData((chunk, isLast) => {
    chunks.push(Buffer.from(chunk.slice(0)));
    if (!isLast) return;
    let status = '202 Accepted';
    try {
      JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      status = '400 Bad Request';
    }
    if (!aborted)
      res.cork(() => res.writeStatus(status).writeHeader('content-type', 'application/json').end('{}'));
  });
});
app.listen('127.0.0.1', port, (socket) => {
  if (!socket) process.exit(1);
  process.stdout.write(`listening ${uWS.us_socket_local_port(socket)}\n`);
});
