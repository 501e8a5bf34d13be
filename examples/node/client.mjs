// An HTTPS client that presents its certificate and trusts only the CA from TLS_DIR.
//   TLS_DIR=/etc/tls node client.mjs https://web.example.internal:8443/
// Prints one JSON line: the status, the body and the serial of the server's certificate.
import https from 'node:https';
import { readTlsFiles } from './tls-files.mjs';

const url = process.argv[2] ?? 'https://localhost:8443/';
const req = https.request(url, { ...readTlsFiles(), agent: false }, (res) => {
  const serverSerial = res.socket.getPeerCertificate().serialNumber;
  let body = '';
  res.setEncoding('utf8');
  res.on('data', (chunk) => (body += chunk));
  res.on('end', () => console.log(JSON.stringify({ status: res.statusCode, body, server_serial: serverSerial })));
});
req.on('error', (error) => {
  console.error(`request failed: ${error.message}`);
  process.exit(1);
});
req.end();
