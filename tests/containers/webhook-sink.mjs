// A webhook receiver for the container tests, run by the sockudo image inside the stack: it keeps every POST to
// /hook (headers and raw body) and returns them on GET /received.
import { createServer } from 'node:http';

const received = [];
createServer((req, res) => {
  if (req.method === 'POST' && req.url === '/hook') {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      received.push({ headers: req.headers, body });
      res.writeHead(200).end('{}');
    });
    return;
  }
  if (req.method === 'GET' && req.url === '/received') {
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(received));
    return;
  }
  res.writeHead(404).end();
}).listen(8080, '0.0.0.0');
process.on('SIGTERM', () => process.exit(0));
