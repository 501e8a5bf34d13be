#!/bin/sh
# Run by `mintca agent -reload-command=...` after each renewal: refresh mintca's CRL (nginx refuses
# every client once its CRL has expired), then make nginx load the new certificate and CRL.
# SIGHUP starts new workers with the new files; open connections finish on the old ones.
set -eu
: "${VAULT_ADDR:?}"
crl="${CRL_FILE:-/etc/nginx/mintca-crl.pem}"
pid_file="${NGINX_PID_FILE:-/run/nginx.pid}"
curl -fsS ${VAULT_CACERT:+--cacert "$VAULT_CACERT"} -o "$crl.tmp" "$VAULT_ADDR/v1/${PKI_MOUNT:-pki}/crl/pem"
echo >> "$crl.tmp"   # mintca answers without a final newline
mv -f "$crl.tmp" "$crl"
# Before nginx has started (the agent's first certificate) there is nothing to reload.
if [ -s "$pid_file" ]; then kill -HUP "$(cat "$pid_file")"; fi
