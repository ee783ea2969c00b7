#!/usr/bin/env python3
"""A plain tus 1.0 client for the intake benchmark (bench/intake.sh).

Sends sealed reports to a testigo-intake server the way any tus client
would: POST to create (with the report's SHA-256 in the metadata), then
PATCH chunks with a sha256 Upload-Checksum until the server answers with
the receipt id. Standard library only; keep-alive connections.

  tus_client.py many URL KEY_ID PARALLEL FILE...  -> JSON {"uploads", "seconds", "per_second"}
  tus_client.py one URL KEY_ID CHUNK_MIB FILE     -> JSON {"bytes", "seconds", "mib_per_second"}

KEY_ID is the key id of the vault that sealed the reports (the server
checks it against the signature).
"""

import base64
import concurrent.futures
import hashlib
import http.client
import json
import os
import sys
import time
import urllib.parse


def b64(s: str) -> str:
    return base64.b64encode(s.encode()).decode()


def file_sha256(path: str) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while True:
            block = f.read(8 << 20)
            if not block:
                return h.hexdigest()
            h.update(block)


def upload(url: str, key_id: str, path: str, chunk: int, sha: str) -> str:
    """Sends one report; returns the receipt id."""
    u = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=600)
    size = os.path.getsize(path)
    meta = ",".join([
        "sha256 " + b64(sha),
        "filename " + b64(os.path.basename(path)),
        "key_id " + b64(key_id),
    ])
    conn.request("POST", "/uploads", headers={
        "Tus-Resumable": "1.0.0", "Upload-Length": str(size), "Upload-Metadata": meta,
    })
    r = conn.getresponse()
    r.read()
    if r.status != 201:
        raise SystemExit(f"create: {r.status} {r.reason}")
    location = urllib.parse.urlsplit(r.getheader("Location")).path
    offset = 0
    with open(path, "rb") as f:
        while True:
            body = f.read(chunk)
            digest = base64.b64encode(hashlib.sha256(body).digest()).decode()
            conn.request("PATCH", location, body=body, headers={
                "Tus-Resumable": "1.0.0", "Upload-Offset": str(offset),
                "Content-Type": "application/offset+octet-stream",
                "Upload-Checksum": "sha256 " + digest,
            })
            r = conn.getresponse()
            text = r.read()
            if r.status != 204:
                raise SystemExit(f"patch at {offset}: {r.status} {text[:300]!r}")
            offset = int(r.getheader("Upload-Offset"))
            receipt = r.getheader("Testigo-Receipt-Id")
            if receipt:
                conn.close()
                return receipt
            if offset >= size and not body:
                raise SystemExit("every byte sent but no receipt")


def main() -> None:
    mode, url, key_id = sys.argv[1], sys.argv[2], sys.argv[3]
    if mode == "many":
        parallel, files = int(sys.argv[4]), sys.argv[5:]
        shas = {p: file_sha256(p) for p in files}
        start = time.monotonic()
        with concurrent.futures.ThreadPoolExecutor(parallel) as pool:
            receipts = list(pool.map(lambda p: upload(url, key_id, p, 8 << 20, shas[p]), files))
        seconds = time.monotonic() - start
        assert len(set(receipts)) == len(files), "a receipt was given twice"
        print(json.dumps({"uploads": len(files), "seconds": seconds, "per_second": len(files) / seconds}))
    else:
        chunk, path = int(sys.argv[4]) << 20, sys.argv[5]
        sha = file_sha256(path)
        start = time.monotonic()
        upload(url, key_id, path, chunk, sha)
        seconds = time.monotonic() - start
        size = os.path.getsize(path)
        print(json.dumps({"bytes": size, "seconds": seconds, "mib_per_second": size / 1048576 / seconds}))


if __name__ == "__main__":
    main()
