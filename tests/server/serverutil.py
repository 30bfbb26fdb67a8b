# SPDX-License-Identifier: LGPL-2.1-or-later
"""Starting dynamorm-server for the hardening tests and the soak, and raw
DynamoDB JSON requests to it over http.client (127.0.0.1 only)."""

import http.client
import json
import os
import subprocess
import tempfile

TARGET = "DynamoDB_20120810."


class Server:
    """dynamorm-server on a free loopback port, optionally under a low
    open-files limit; its standard error goes to a file the caller can read."""

    def __init__(self, path, nofile=None, args=()):
        self.stderr = tempfile.TemporaryFile(mode="w+")
        argv = [path, "--port", "0", "--host", "127.0.0.1"] + list(args)
        if nofile is not None:
            argv = ["prlimit", "--nofile=%d" % nofile, "--"] + argv
        self.proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=self.stderr, text=True)
        line = self.proc.stdout.readline()
        if "listening on " not in line:
            self.proc.kill()
            raise RuntimeError("dynamorm-server did not start: %r" % line)
        url = line.split("listening on ", 1)[1].strip().rstrip("/")
        self.host, port = url.split("://", 1)[1].rsplit(":", 1)
        self.port = int(port)

    def alive(self):
        return self.proc.poll() is None

    def fd_count(self):
        return len(os.listdir("/proc/%d/fd" % self.proc.pid))

    def rss_kb(self):
        with open("/proc/%d/status" % self.proc.pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
        return 0

    def stderr_text(self):
        if self.stderr.closed:
            return self.stderr_at_exit
        self.stderr.seek(0)
        return self.stderr.read()

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.proc.stdout.close()
        self.stderr_at_exit = self.stderr_text()
        self.stderr.close()
        return self.proc.returncode

    def post(self, operation, body, headers=None, timeout=30):
        """One request on its own connection: (status, raw body bytes)."""
        if isinstance(body, (dict, list)):
            body = json.dumps(body).encode()
        conn = http.client.HTTPConnection(self.host, self.port, timeout=timeout)
        try:
            h = {"X-Amz-Target": TARGET + operation,
                 "Content-Type": "application/x-amz-json-1.0"}
            h.update(headers or {})
            conn.request("POST", "/", body=body, headers=h,
                         encode_chunked=h.get("Transfer-Encoding") == "chunked")
            resp = conn.getresponse()
            return resp.status, resp.read()
        finally:
            conn.close()


def strict_json(raw):
    """json.loads that refuses raw control characters in strings, as the JSON
    grammar (and every strict SDK parser) does."""
    return json.loads(raw.decode("utf-8"), strict=True)
