# tests/api/slow_client.py -- hostile TLS clients for test_serve_hardening.sh.
#   slow_client.py CERT PORT MODE ARG
# MODE stall-headers: sends half a request line and headers, then nothing;
#      stall-body: sends headers with Content-Length 100 and 10 bytes of body;
#      trickle: sends the request one byte every ARG seconds;
#      hold: opens ARG connections, completes their handshakes and holds them
#            while it tries one more (handshake within 2 s, else "waiting");
#            then closes them and reports on a new connection.
# Prints "closed after S s" (the server closed the connection), "answered
# STATUS", "waiting" or "open after S s" (still open at the end).
import socket
import ssl
import sys
import time

cert, port, mode, arg = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
ctx = ssl.create_default_context(cafile=cert)


def connect():
    raw = socket.create_connection(("127.0.0.1", port), timeout=10)
    return ctx.wrap_socket(raw, server_hostname="127.0.0.1")


def wait_close(s, start, limit):
    s.settimeout(0.2)
    while time.time() - start < limit:
        try:
            data = s.recv(4096)
        except socket.timeout:
            continue
        except (ssl.SSLError, OSError):
            return "closed after %.1f s" % (time.time() - start)
        if not data:
            return "closed after %.1f s" % (time.time() - start)
        return "answered " + data.split(b"\r\n", 1)[0].decode("latin-1")
    return "open after %.1f s" % (time.time() - start)


req = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Pad: " + b"a" * 20 + b"\r\n\r\n"
if mode == "stall-headers":
    s = connect()
    s.sendall(req[:30])
    print(wait_close(s, time.time(), 20))
elif mode == "stall-body":
    s = connect()
    s.sendall(b"POST /api/v1/session HTTP/1.1\r\nHost: 127.0.0.1\r\n"
              b"Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"name\":\"")
    print(wait_close(s, time.time(), 20))
elif mode == "trickle":
    s = connect()
    start = time.time()
    result = None
    for b in req:
        try:
            s.sendall(bytes([b]))
        except (ssl.SSLError, OSError):
            result = "closed after %.1f s" % (time.time() - start)
            break
        r = wait_close(s, time.time(), float(arg))
        if not r.startswith("open"):
            result = r.replace(r.split(" after ")[-1], "%.1f s" % (time.time() - start)) \
                if r.startswith("closed") else r
            break
    print(result or "open after %.1f s" % (time.time() - start))
elif mode == "hold":
    held = [connect() for _ in range(int(arg))]
    raw = socket.create_connection(("127.0.0.1", port), timeout=2)
    try:
        extra = ctx.wrap_socket(raw, server_hostname="127.0.0.1")
        extra.sendall(req)
        print(wait_close(extra, time.time(), 2))
    except (socket.timeout, TimeoutError):
        print("waiting")
    for s in held:
        s.close()
    time.sleep(0.5)
    s = connect()
    s.sendall(req)
    print(wait_close(s, time.time(), 10))
