// An HTTPS server that requires a client certificate from the same CA and reloads its own
// certificate on SIGHUP (sent by `mintca agent -pid-file=...` after each renewal).
//   TLS_DIR=/etc/tls PORT=8443 PID_FILE=/run/app.pid node server.mjs
import { writeFileSync } from 'node:fs';
import https from 'node:https';
import { X509Certificate } from 'node:crypto';
import { readTlsFiles } from './tls-files.mjs';

const host = process.env.HOST ?? '127.0.0.1';
const port = Number(process.env.PORT ?? 8443);
let files = readTlsFiles();
const serial = () => new X509Certificate(files.cert).serialNumber;

const server = https.createServer({ ...files, requestCert: true, rejectUnauthorized: true }, (req, res) => {
  const peer = req.socket.getPeerCertificate();
  res.setHeader('Content-Type', 'text/plain');
  res.end(`hello ${peer.subject.CN}\n`);
});

process.on('SIGHUP', () => {
  // New connections use the new certificate; open ones keep theirs.
  files = readTlsFiles();
  server.setSecureContext(files);
  console.log(`reloaded certificate ${serial()}`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));

server.listen(port, host, () => {
  if (process.env.PID_FILE) writeFileSync(process.env.PID_FILE, `${process.pid}\n`);
  console.log(`listening on https://${host}:${server.address().port} with certificate ${serial()}`);
});
