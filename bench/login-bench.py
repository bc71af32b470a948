#!/usr/bin/env python3
"""Client side of bench/run-login.sh: times whole IMAP connections.

  login-bench.py cycles N PORT TRANSPORT AUTH [USER PASSWORD [CAFILE]]
      N sequential connections to 127.0.0.1:PORT, each timed from before
      connect() until the server has closed the connection (EOF read
      after the LOGOUT reply).  TRANSPORT: plain, tls (TLS from the first
      byte), starttls (greeting, STARTTLS, handshake).  AUTH: none
      (greeting + LOGOUT only), login (LOGIN), cram (AUTHENTICATE
      CRAM-MD5), scram (AUTHENTICATE SCRAM-SHA-256 with an initial
      response; the server's signature is checked).  For tls/starttls the
      server certificate is verified against CAFILE for "localhost"; no
      session is ever resumed (no ticket asked for, none reused).  Any
      unexpected reply stops the run with the server's words.
      Prints "cycles MEDIAN MEAN" in seconds per connection.
  login-bench.py rows N BLOCK CAFILE USER PASSWORD NAME:PORT:TRANSPORT:AUTH...
      The same for several rows at once, interleaved: BLOCK connections of
      each row in turn until every row has had N, so that a change in the
      machine's load falls on all rows alike.  A row NAME:crypt:K is no
      connection but K calls of crypt_r(PASSWORD, $BENCH_HASH) per block
      (as "hash" below).  Prints "NAME MEDIAN MEAN" per row, in the order
      given (seconds per connection or per call).
  login-bench.py hash HASH N
      Times N calls of libcrypt's crypt_r(PASSWORD, HASH) through ctypes
      (the call imapd makes for a LOGIN against the account file); the
      password is read from the environment variable BENCH_PASSWORD and
      must match HASH.  Prints "hash MEDIAN MEAN" in seconds per call.
  login-bench.py wait PORT
      Waits (10 s at most) until something accepts on 127.0.0.1:PORT.

The client code is the same for imapd and for the tls-echo baseline
(which answers any tagged line like LOGOUT).
"""
import base64
import ctypes
import ctypes.util
import hashlib
import hmac
import os
import socket
import ssl
import statistics
import sys
import time

TIMEOUT = 20


class Conn:
    """A line reader over a socket (plain or TLS) with its own buffer, so
    that nothing read ahead is lost when STARTTLS swaps the socket."""

    def __init__(self, sock):
        self.s = sock
        self.buf = b""
        self.tag = 0

    def line(self):
        while True:
            i = self.buf.find(b"\r\n")
            if i >= 0:
                out, self.buf = self.buf[:i], self.buf[i + 2:]
                return out
            data = self.s.recv(4096)
            if not data:
                raise SystemExit("server closed the connection; unread %r" % self.buf)
            self.buf += data

    def send(self, text):
        self.s.sendall(text.encode() + b"\r\n")

    def command(self, text):
        """Send a tagged command; the tagged reply line (untagged lines
        are skipped), which must be OK."""
        self.tag += 1
        tag = "a%d" % self.tag
        self.send("%s %s" % (tag, text))
        return self.tagged(tag, text)

    def tagged(self, tag, what):
        while True:
            ln = self.line()
            if ln.startswith(tag.encode() + b" "):
                if not ln.startswith(tag.encode() + b" OK"):
                    raise SystemExit("%s: %r" % (what.split(" ")[0], ln))
                return ln
            if ln.startswith(b"+"):
                raise SystemExit("%s: unexpected continuation %r" % (what, ln))

    def challenge(self, what):
        """The next "+ base64" line, decoded."""
        ln = self.line()
        if not ln.startswith(b"+"):
            raise SystemExit("%s: expected a challenge, got %r" % (what, ln))
        return base64.b64decode(ln[2:])

    def to_eof(self):
        """Everything until the server closes (a TLS close_notify or
        plain EOF)."""
        while True:
            try:
                data = self.s.recv(4096)
            except (ssl.SSLEOFError, ConnectionResetError):
                return
            if not data:
                return
            self.buf += data


def cram(c, user, password):
    c.tag += 1
    tag = "a%d" % c.tag
    c.send("%s AUTHENTICATE CRAM-MD5" % tag)
    chal = c.challenge("CRAM-MD5")
    digest = hmac.new(password.encode(), chal, hashlib.md5).hexdigest()
    c.send(base64.b64encode(("%s %s" % (user, digest)).encode()).decode())
    c.tagged(tag, "AUTHENTICATE CRAM-MD5")


def scram(c, user, password):
    """RFC 5802 / 7677 client, no channel binding ("n,,")."""
    c.tag += 1
    tag = "a%d" % c.tag
    nonce = base64.b64encode(os.urandom(18)).decode()
    first_bare = "n=%s,r=%s" % (user.replace("=", "=3D").replace(",", "=2C"), nonce)
    c.send("%s AUTHENTICATE SCRAM-SHA-256 %s"
           % (tag, base64.b64encode(("n,," + first_bare).encode()).decode()))
    server_first = c.challenge("SCRAM-SHA-256").decode()
    attrs = dict(a.split("=", 1) for a in server_first.split(","))
    if not attrs.get("r", "").startswith(nonce):
        raise SystemExit("SCRAM: server nonce %r does not extend ours" % attrs.get("r"))
    salted = hashlib.pbkdf2_hmac("sha256", password.encode(),
                                 base64.b64decode(attrs["s"]), int(attrs["i"]))
    client_key = hmac.new(salted, b"Client Key", hashlib.sha256).digest()
    stored_key = hashlib.sha256(client_key).digest()
    final_bare = "c=biws,r=%s" % attrs["r"]
    auth_msg = ("%s,%s,%s" % (first_bare, server_first, final_bare)).encode()
    sig = hmac.new(stored_key, auth_msg, hashlib.sha256).digest()
    proof = bytes(a ^ b for a, b in zip(client_key, sig))
    c.send(base64.b64encode(("%s,p=%s" % (final_bare, base64.b64encode(proof).decode()))
                            .encode()).decode())
    server_final = c.challenge("SCRAM-SHA-256 final").decode()
    server_key = hmac.new(salted, b"Server Key", hashlib.sha256).digest()
    want = base64.b64encode(hmac.new(server_key, auth_msg, hashlib.sha256).digest()).decode()
    if server_final != "v=" + want:
        raise SystemExit("SCRAM: bad server signature %r" % server_final)
    c.send("")
    c.tagged(tag, "AUTHENTICATE SCRAM-SHA-256")


def tls_context(cafile):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.load_verify_locations(cafile)
    ctx.options |= ssl.OP_NO_TICKET
    return ctx


def one(port, transport, auth, user, password, ctx):
    s = socket.create_connection(("127.0.0.1", port), TIMEOUT)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    try:
        if transport == "tls":
            s = ctx.wrap_socket(s, server_hostname="localhost")
        c = Conn(s)
        g = c.line()
        if not g.startswith(b"* OK"):
            raise SystemExit("greeting: %r" % g)
        if transport == "starttls":
            c.command("STARTTLS")
            if c.buf:
                raise SystemExit("bytes after the STARTTLS reply: %r" % c.buf)
            s = c.s = ctx.wrap_socket(s, server_hostname="localhost")
        if auth == "login":
            c.command('LOGIN %s "%s"' % (user, password))
        elif auth == "cram":
            cram(c, user, password)
        elif auth == "scram":
            scram(c, user, password)
        elif auth != "none":
            raise SystemExit("unknown AUTH %r" % auth)
        c.command("LOGOUT")
        c.to_eof()
    finally:
        s.close()


def cycles(n, port, transport, auth, user, password, cafile):
    ctx = tls_context(cafile) if transport != "plain" else None
    times = []
    for i in range(n):
        t0 = time.perf_counter()
        one(port, transport, auth, user, password, ctx)
        times.append(time.perf_counter() - t0)
    print("cycles %.6f %.6f" % (statistics.median(times), statistics.mean(times)))


def rows(n, block, cafile, user, password, specs):
    ctx = tls_context(cafile)
    table = []
    for spec in specs:
        f = spec.split(":")
        if len(f) == 3 and f[1] == "crypt":
            table.append((f[0], None, Crypt(os.environ["BENCH_HASH"], password),
                          int(f[2]), []))
        else:
            table.append((f[0], int(f[1]), f[2], f[3], []))
    done = 0
    while done < n:
        k = min(block, n - done)
        for name, port, transport, auth, times in table:
            if port is None:    # crypt_r, auth times per block
                for i in range(auth):
                    times.append(transport.time())
                continue
            for i in range(k):
                t0 = time.perf_counter()
                try:
                    one(port, transport, auth, user, password, ctx)
                except SystemExit as e:
                    raise SystemExit("%s: %s" % (name, e))
                except OSError as e:
                    raise SystemExit("%s: %s" % (name, e))
                times.append(time.perf_counter() - t0)
        done += k
    for name, port, transport, auth, times in table:
        print("%s %.6f %.6f" % (name, statistics.median(times), statistics.mean(times)))


class Crypt:
    """libcrypt's crypt_r through ctypes, checked once against the hash."""

    def __init__(self, h, password):
        lib = ctypes.CDLL(ctypes.util.find_library("crypt") or "libcrypt.so.1")
        self.crypt_r = lib.crypt_r
        self.crypt_r.restype = ctypes.c_char_p
        self.crypt_r.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_void_p]
        self.data = ctypes.create_string_buffer(65536)  # >= sizeof (struct crypt_data)
        self.pw = password.encode()
        self.h = h.encode()
        if self.crypt_r(self.pw, self.h, self.data) != self.h:
            raise SystemExit("crypt_r: the password does not match %r" % h)

    def time(self):
        t0 = time.perf_counter()
        self.crypt_r(self.pw, self.h, self.data)
        return time.perf_counter() - t0


def hash_cost(h, n):
    c = Crypt(h, os.environ["BENCH_PASSWORD"])
    times = [c.time() for i in range(n)]
    print("hash %.6f %.6f" % (statistics.median(times), statistics.mean(times)))


def wait_port(port):
    deadline = time.monotonic() + 10
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), 1).close()
            return
        except OSError:
            if time.monotonic() > deadline:
                raise SystemExit("nothing listens on port %d" % port)
            time.sleep(0.05)


def main():
    a = sys.argv[1:]
    if a[:1] == ["cycles"] and len(a) in (5, 7, 8):
        rest = a[5:] + [None] * (8 - len(a))
        cycles(int(a[1]), int(a[2]), a[3], a[4], rest[0], rest[1], rest[2])
    elif a[:1] == ["rows"] and len(a) >= 7:
        rows(int(a[1]), int(a[2]), a[3], a[4], a[5], a[6:])
    elif a[:1] == ["hash"] and len(a) == 3:
        hash_cost(a[1], int(a[2]))
    elif a[:1] == ["wait"] and len(a) == 2:
        wait_port(int(a[1]))
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main()
