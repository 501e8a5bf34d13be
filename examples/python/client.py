#!/usr/bin/env python3
"""An HTTPS client with requests: presents its certificate and trusts only the CA from TLS_DIR.

    TLS_DIR=/etc/tls python3 client.py https://localhost:8443/

Prints one JSON line with the status and the body.
"""
import json
import os
import sys

import requests

tls_dir = os.environ.get("TLS_DIR", "/etc/tls")
# Through ..data (the agent's current version, resolved once) key and certificate belong together.
data = os.path.join(tls_dir, "..data")
if os.path.exists(data):
    tls_dir = os.path.realpath(data)
url = sys.argv[1] if len(sys.argv) > 1 else "https://localhost:8443/"
try:
    response = requests.get(
        url,
        cert=(os.path.join(tls_dir, "tls.crt"), os.path.join(tls_dir, "tls.key")),
        verify=os.path.join(tls_dir, "ca.crt"),
        timeout=10,
    )
except requests.exceptions.RequestException as error:
    print(f"request failed: {error}", file=sys.stderr)
    sys.exit(1)
print(json.dumps({"status": response.status_code, "body": response.text}))
