#!/usr/bin/python3
"""A hostile or broken Prometheus exporter, for the bounds of zabitan-prom's scraper.

  hostile_exporter.py --port-file FILE [--tls-dir PKI_DIR --tls-port-file FILE]

Listens on 127.0.0.1 (a free port, written to FILE once listening; with --tls-dir also an
HTTPS port using PKI_DIR/server.{crt,key}, client certificates signed by PKI_DIR/ca.crt asked
for but optional). Paths:
  /good          a small valid 0.0.4 exposition (OpenMetrics when the Accept header asks for it)
  /endless       one line that never ends          /drip        one byte every 0.2 s, forever
  /many?n=N      N series (default 10,000,000), streamed
  /utf8          a label value that is not UTF-8   /duplicate   one series twice
  /wrongtype     OpenMetrics: a counter sample without _total
  /labels        a series with 100 labels          /big?mb=N    N MB of comment lines (default 100)
  /status        HTTP 500                          /client-cert 200 only with a client certificate
  /basic         200 only with basic auth zabitan:s3cret    /bearer   200 only with token t0ken
Bodies have no Content-Length (the connection ends them), as a streaming exporter's would.
"""
import argparse
import base64
import http.server
import os
import ssl
import threading
import time
import urllib.parse

GOOD = b'# HELP good_total A counter.\n# TYPE good_total counter\ngood_total{a="1"} 1\ngood_total{a="2"} 2\n'
GOOD_OM = b'# HELP good A counter.\n# TYPE good counter\ngood_total{a="1"} 1\ngood_total{a="2"} 2\n# EOF\n'


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.0"

    def log_message(self, fmt, *args):
        pass

    def head(self, status=200, content_type="text/plain; version=0.0.4; charset=utf-8"):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.end_headers()

    def do_GET(self):
        url = urllib.parse.urlparse(self.path)
        query = urllib.parse.parse_qs(url.query)
        try:
            self.route(url.path, query)
        except (BrokenPipeError, ConnectionResetError, ssl.SSLError, OSError):
            pass  # the scraper gave up: what the bounds are for

    def route(self, path, query):
        w = self.wfile.write
        auth = self.headers.get("Authorization", "")
        if path == "/good":
            if "application/openmetrics-text" in self.headers.get("Accept", ""):
                self.head(content_type="application/openmetrics-text; version=1.0.0; charset=utf-8")
                w(GOOD_OM)
            else:
                self.head()
                w(GOOD)
        elif path == "/endless":
            self.head()
            w(b'endless{x="')
            chunk = b"x" * 65536
            while True:
                w(chunk)
        elif path == "/drip":
            self.head()
            i = 0
            while True:  # distinct series, so that only time can stop it
                for b in b'drip{i="%d"} 1\n' % i:
                    w(bytes([b]))
                    self.wfile.flush()
                    time.sleep(0.2)
                i += 1
        elif path == "/many":
            self.head()
            n = int(query.get("n", ["10000000"])[0])
            for start in range(0, n, 10000):
                w("".join(f'many{{i="{i}"}} 1\n' for i in range(start, min(n, start + 10000))).encode())
        elif path == "/utf8":
            self.head()
            w(b'bad{x="\xff\xfe"} 1\n')
        elif path == "/duplicate":
            self.head()
            w(b'dup{a="1"} 1\ndup{a="1"} 2\n')
        elif path == "/wrongtype":
            self.head(content_type="application/openmetrics-text; version=1.0.0; charset=utf-8")
            w(b"# TYPE c counter\nc 1\n# EOF\n")
        elif path == "/labels":
            self.head()
            w(b"wide{" + b",".join(b'l%d="v"' % i for i in range(100)) + b"} 1\n")
        elif path == "/big":
            self.head()
            line = b"# " + b"c" * 1021 + b"\n"
            for _ in range(int(query.get("mb", ["100"])[0]) * 1024):
                w(line)
        elif path == "/status":
            self.head(500, "text/plain")
            w(b"exporter broke\nsecond line\n")
        elif path == "/client-cert":
            cert = self.connection.getpeercert() if isinstance(self.connection, ssl.SSLSocket) else None
            self.head(200 if cert else 403)
            w(GOOD if cert else b"no client certificate\n")
        elif path == "/basic":
            ok = auth == "Basic " + base64.b64encode(b"zabitan:s3cret").decode()
            self.head(200 if ok else 401)
            w(GOOD if ok else b"unauthorized\n")
        elif path == "/bearer":
            ok = auth == "Bearer t0ken"
            self.head(200 if ok else 401)
            w(GOOD if ok else b"unauthorized\n")
        else:
            self.head(404, "text/plain")
            w(b"not found\n")


def serve(server, port_file):
    tmp = port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write(str(server.server_address[1]))
    os.replace(tmp, port_file)  # the start script waits for it: written whole, once listening
    server.serve_forever()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--tls-dir")
    ap.add_argument("--tls-port-file")
    args = ap.parse_args()
    http.server.ThreadingHTTPServer.daemon_threads = True
    plain = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    if args.tls_dir:
        tls = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(os.path.join(args.tls_dir, "server.crt"), os.path.join(args.tls_dir, "server.key"))
        ctx.load_verify_locations(os.path.join(args.tls_dir, "ca.crt"))
        ctx.verify_mode = ssl.CERT_OPTIONAL
        tls.socket = ctx.wrap_socket(tls.socket, server_side=True)
        threading.Thread(target=serve, args=(tls, args.tls_port_file), daemon=True).start()
    serve(plain, args.port_file)


if __name__ == "__main__":
    main()
