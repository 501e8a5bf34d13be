#!/usr/bin/env bash
# The flow users copy from Vault's PKI guides, with curl and jq only, against $VAULT_ADDR.
# Writes certificates under $WORK and ends with a real mTLS handshake between two issued certificates.
set -euo pipefail
: "${VAULT_ADDR:?}" "${VAULT_TOKEN:?}" "${WORK:?}"
cd "$WORK"
api() { curl -sS --fail-with-body -H "X-Vault-Token: $VAULT_TOKEN" "$@"; }

# Mount the root and intermediate engines, tuned as the guides do.
api -X POST -d '{"type":"pki"}' "$VAULT_ADDR/v1/sys/mounts/pki"
api -X POST -d '{"max_lease_ttl":"87600h"}' "$VAULT_ADDR/v1/sys/mounts/pki/tune"
api -X POST -d '{"type":"pki"}' "$VAULT_ADDR/v1/sys/mounts/pki_int"
api -X POST -d '{"max_lease_ttl":"43800h"}' "$VAULT_ADDR/v1/sys/mounts/pki_int/tune"

# The root.
api -X POST -d '{"common_name":"example.com","issuer_name":"root-2026","ttl":"87600h"}' \
  "$VAULT_ADDR/v1/pki/root/generate/internal" | jq -r .data.certificate > root_2026_ca.crt
api -X POST -d "{\"issuing_certificates\":\"$VAULT_ADDR/v1/pki/ca\",\"crl_distribution_points\":\"$VAULT_ADDR/v1/pki/crl\"}" \
  "$VAULT_ADDR/v1/pki/config/urls" > /dev/null

# The intermediate: CSR, signed by the root, set back.
api -X POST -d '{"common_name":"example.com Intermediate Authority","issuer_name":"example-dot-com-intermediate"}' \
  "$VAULT_ADDR/v1/pki_int/intermediate/generate/internal" | jq -r .data.csr > pki_intermediate.csr
jq -n --rawfile csr pki_intermediate.csr '{csr: $csr, format: "pem_bundle", ttl: "43800h", issuer_ref: "root-2026"}' \
  | api -X POST -d @- "$VAULT_ADDR/v1/pki/root/sign-intermediate" | jq -r .data.certificate > intermediate.cert.pem
jq -n --rawfile cert intermediate.cert.pem '{certificate: $cert}' \
  | api -X POST -d @- "$VAULT_ADDR/v1/pki_int/intermediate/set-signed" > /dev/null

# A role for services, as init containers use it.
api -X POST -d '{"allowed_domains":"svc.cluster.local,internal","allow_subdomains":true,"max_ttl":"24h","server_flag":true,"client_flag":true}' \
  "$VAULT_ADDR/v1/pki_int/roles/services" > /dev/null

# Two services get their certificates the way an init container does.
for svc in web.default.svc.cluster.local api.default.svc.cluster.local; do
  api -X POST -d "{\"common_name\":\"$svc\",\"ttl\":\"1h\"}" "$VAULT_ADDR/v1/pki_int/issue/services" > "$svc.json"
  jq -r .data.certificate "$svc.json" > "$svc.crt"
  jq -r .data.private_key "$svc.json" > "$svc.key"
  jq -r '.data.ca_chain | join("\n")' "$svc.json" > ca-chain.pem
done
# The unauthenticated CA chain, as proxies fetch it.
curl -sS "$VAULT_ADDR/v1/pki_int/ca_chain" > fetched-chain.pem
echo >> fetched-chain.pem
echo "guide flow done"
