"""remote_cmd_test.py's SOAP tap in front of the simulator (records each vSphere call, plays a
guest that ignores ShutdownGuest or has no tools) and the relay that brings the desktop back."""
import http.client
import http.server
import re
import socket
import ssl
import threading
import time
import xml.etree.ElementTree as ET


SOAP = "{http://schemas.xmlsoap.org/soap/envelope/}"
# What vCenter answers ShutdownGuest for a VM whose VMware Tools are not running.
TOOLS_UNAVAILABLE = (
    '<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" '
    'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body><soapenv:Fault><faultcode>ServerFaultCode'
    '</faultcode><faultstring>Cannot complete operation because VMware Tools is not running in this virtual machine.'
    '</faultstring><detail><ToolsUnavailableFault xmlns="urn:vim25" xsi:type="ToolsUnavailable"></ToolsUnavailableFault>'
    '</detail></soapenv:Fault></soapenv:Body></soapenv:Envelope>')
SHUTDOWN_ACCEPTED = (
    '<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/">'
    '<soapenv:Body><ShutdownGuestResponse xmlns="urn:vim25"></ShutdownGuestResponse></soapenv:Body></soapenv:Envelope>')


class SoapTap(http.server.ThreadingHTTPServer):
    """Plain-http SOAP endpoint that relays every call to the simulator and records its method.
    vcsim's ShutdownGuest powers the VM off at once, so a guest that does not go down is made
    here: guest = "ignore" answers ShutdownGuest as vCenter does when it passed the request to
    the tools (the guest then never shuts down), "tools" answers ToolsUnavailable; everything
    else, and ShutdownGuest with "forward", reaches the simulator unchanged. With `hold` set, it
    relays PowerOnVM_Task (the VM is powered on), then keeps the reply until `release` is set:
    the caller is stuck where a script timeout or a crash would catch it (remote_cmd_crash_test)."""
    daemon_threads = True

    def __init__(self, env):
        self.target = re.match(r"https://([^/:]+):(\d+)(/.*)", env["VCSIM_URL"]).groups()
        self.ctx = ssl.create_default_context(cafile=env["VCSIM_CERT"])
        self.ctx.check_hostname = False
        self.methods = []
        self.arrived = []  # time.monotonic() of each call in `methods`, when it reached the tap
        self.guest = "forward"
        self.hold, self.held, self.release = threading.Event(), threading.Event(), threading.Event()
        super().__init__(("127.0.0.1", 0), TapHandler)
        threading.Thread(target=self.serve_forever, daemon=True).start()

    @property
    def url(self):
        return f"http://127.0.0.1:{self.server_address[1]}{self.target[2]}"


class TapHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as libcurl expects

    def do_POST(self):
        tap = self.server
        body = self.rfile.read(int(self.headers["Content-Length"]))
        call = ET.fromstring(body).find(SOAP + "Body")[0].tag.split("}")[-1]
        tap.arrived.append(time.monotonic())
        tap.methods.append(call)
        if call == "ShutdownGuest" and tap.guest != "forward":
            status, headers = (500, {}) if tap.guest == "tools" else (200, {})
            data = (TOOLS_UNAVAILABLE if tap.guest == "tools" else SHUTDOWN_ACCEPTED).encode()
        else:
            conn = http.client.HTTPSConnection(tap.target[0], int(tap.target[1]), context=tap.ctx, timeout=30)
            conn.request("POST", tap.target[2], body, {k: v for k, v in self.headers.items()
                                                       if k.lower() in ("content-type", "soapaction", "cookie")})
            reply = conn.getresponse()
            status, data = reply.status, reply.read()
            headers = {"Set-Cookie": reply.getheader("Set-Cookie")} if reply.getheader("Set-Cookie") else {}
            conn.close()
        if call == "PowerOnVM_Task" and tap.hold.is_set():
            tap.held.set()
            tap.release.wait(60)
            return
        try:
            self.send_response(status)
            self.send_header("Content-Type", "text/xml; charset=utf-8")
            for k, v in headers.items():
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        except OSError:
            pass  # the caller is gone (killed while held)

    def log_message(self, *args):
        pass


def relay(listener, port):
    """Accepts on `listener` and pipes each connection to 127.0.0.1:port (the desktop coming back
    at the address the spool was filled for)."""
    def pipe(a, b):
        try:
            while data := a.recv(65536):
                b.sendall(data)
        except OSError:
            pass
        finally:
            for x in (a, b):
                try:
                    x.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def serve():
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return  # the listener was closed: the test is over
            upstream = socket.create_connection(("127.0.0.1", port))
            threading.Thread(target=pipe, args=(client, upstream), daemon=True).start()
            threading.Thread(target=pipe, args=(upstream, client), daemon=True).start()

    threading.Thread(target=serve, daemon=True).start()
