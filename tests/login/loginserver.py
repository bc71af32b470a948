"""Helpers for the end-to-end login tests (issue 5): TLS, SASL, nopwd.

    from loginserver import Certs, Server, ImapConn, PopConn, ...

Certs(dir)              generates, with the openssl CLI, in dir:
  certs/<prog>.pem      self-signed, SAN DNS:localhost, IP:127.0.0.1;
                        CN=localhost for imapd, ipop3d, CN=implicit.test
                        for simapd, sipop3d
  certs/<prog>-127.0.0.2.pem   self-signed, CN=vhost2.test, SAN IP:127.0.0.2
                        (the per-IP one), for imapd and ipop3d
  keys/<same names>     their keys (the key directory)
  ca.pem                a CA; client-demo.{pem,key} (CN=demo) and
                        client-mail.{pem,key} (emailAddress=demo2@example.org)
                        signed by it; client-rogue.* self-signed CN=demo
  .trust                file with every server certificate (a client's cafile)
  .client_ctx(cert=None, hostname=True) -> ssl.SSLContext

Server(program="imapd"|"ipop3d", certs=Certs or None, ...) runs the real
binary under tcpserver on a free port of `address` (127.0.0.1 by default;
127.0.0.2 for the per-IP certificate), with an account file (every account
has PASSWORD; as root uid/gid 65534 and a home and spool owned by it),
--syslog-stderr into .log_text(), and --anonymous-file always given (a
file that exists only with anonymous=True).  Options:
  tls="dir" (--tls-cert-dir/--tls-key-dir of certs) or None (an empty dir:
  no certificate), argv0="simapd" (runs a symlink of that name), implicit
  (--tls), nopwd, client_ca (--tls-client-ca certs.ca), secrets {user:
  secret}, config_lines (more c-client.cf lines), extra_args, speed (run
  under libfaketime with clocks `speed` times fast: the login-failure
  delays shrink; nothing is timed).
  .imap() -> ImapConn, .pop() -> PopConn, .conn() -> Conn,
  .log_text(), .mark(), .wait_log(text or regex, since=mark)

ImapConn / PopConn: a socket with line reads (every read has a timeout)
that can switch to TLS in place (.starttls(ctx, hostname)).

SASL clients (bytes in, bytes out): Plain, Login, CramMD5, Scram,
External, Anonymous; run_sasl(conn, mech, client, ir) drives an IMAP
AUTHENTICATE or POP3 AUTH exchange and returns (final line, challenges).
"""
import base64
import hashlib
import hmac
import os
import re
import shutil
import ssl
import subprocess
import tempfile
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))
from tcpserver import Tcpserver  # noqa: E402  (tests/lib)
from lineconn import LineConn  # noqa: E402  (tests/lib)
from accounts import write_accounts, write_secrets  # noqa: E402  (tests/lib)

TOP = os.environ.get("TOP") or os.path.abspath(
    os.path.join(os.path.dirname(__file__), "..", ".."))
BUILDDIR = os.environ.get("BUILDDIR") or os.path.join(TOP, "build")
PROGRAMS = {"imapd": os.path.join(BUILDDIR, "imapd"),
            "ipop3d": os.path.join(BUILDDIR, "ipop3d")}
PASSWORD = "s3cret pass"
ROOT = os.geteuid() == 0
NOBODY = 65534
TIMEOUT = 20
FAKETIME_LIB = "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1"
ACCOUNTS = ("demo", "demo2", "demo2@example.org")

_hash_cache = {}


def b64(data):
    if isinstance(data, str):
        data = data.encode()
    return base64.b64encode(data).decode("ascii")


def unb64(text):
    return base64.b64decode(text, validate=True)


def check_prerequisites():
    for p in PROGRAMS.values():
        assert os.access(p, os.X_OK), "%s is not built" % p
    for tool in ("tcpserver", "openssl"):
        assert shutil.which(tool), "%s missing (scripts/deps.sh check)" % tool


def make_hash(password=PASSWORD):
    if password not in _hash_cache:
        p = subprocess.run([PROGRAMS["imapd"], "--make-password"],
                           input=password + "\n", capture_output=True,
                           text=True, timeout=TIMEOUT)
        assert p.returncode == 0, p.stderr
        h = p.stdout.strip()
        assert h.startswith("$") and "\n" not in h, h
        _hash_cache[password] = h
    return _hash_cache[password]


# ------------------------------------------------------------ certificates

def _openssl(*args, cwd):
    p = subprocess.run(["openssl"] + list(args), cwd=cwd, capture_output=True,
                       text=True, timeout=60)
    assert p.returncode == 0, "openssl %s: %s" % (" ".join(args), p.stderr)


EC = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]


class Certs:
    def __init__(self, base):
        self.base = base
        self.cert_dir = os.path.join(base, "certs")
        self.key_dir = os.path.join(base, "keys")
        os.makedirs(self.cert_dir)
        os.makedirs(self.key_dir)
        os.chmod(self.key_dir, 0o700)
        # the default certificate, copied under every program name
        self._self_signed("default", "/CN=localhost",
                          "subjectAltName=DNS:localhost,IP:127.0.0.1")
        self._self_signed("vhost2", "/CN=vhost2.test",
                          "subjectAltName=DNS:vhost2.test,IP:127.0.0.2")
        # the implicit-TLS names get their own CN: proves which file is used
        self._self_signed("implicit", "/CN=implicit.test",
                          "subjectAltName=DNS:localhost,IP:127.0.0.1")
        for prog in ("imapd", "ipop3d"):
            self._install("default", prog + ".pem")
            self._install("vhost2", prog + "-127.0.0.2.pem")
        for prog in ("simapd", "sipop3d"):
            self._install("implicit", prog + ".pem")
        with open(os.path.join(base, "trust.pem"), "w") as out:
            for n in ("default", "vhost2", "implicit"):
                with open(os.path.join(base, n + ".crt")) as f:
                    out.write(f.read())
        self.trust = os.path.join(base, "trust.pem")
        # a CA and client certificates for EXTERNAL
        _openssl("req", "-x509", *EC, "-keyout", "ca.key", "-out", "ca.pem",
                 "-days", "3", "-subj", "/CN=Bamboo Test CA",
                 "-addext", "basicConstraints=critical,CA:TRUE",
                 "-addext", "keyUsage=critical,keyCertSign,cRLSign", cwd=base)
        self.ca = os.path.join(base, "ca.pem")
        with open(os.path.join(base, "client.ext"), "w") as f:
            f.write("basicConstraints=CA:FALSE\nextendedKeyUsage=clientAuth\n")
        self._client("client-demo", "/CN=demo")
        self._client("client-mail", "/CN=Somebody Else/emailAddress=demo2@example.org")
        _openssl("req", "-x509", *EC, "-keyout", "client-rogue.key",
                 "-out", "client-rogue.pem", "-days", "3", "-subj", "/CN=demo",
                 cwd=base)

    def _self_signed(self, name, subj, san):
        _openssl("req", "-x509", *EC, "-keyout", name + ".key",
                 "-out", name + ".crt", "-days", "3", "-subj", subj,
                 "-addext", san, cwd=self.base)

    def _install(self, name, filename):
        shutil.copy(os.path.join(self.base, name + ".crt"),
                    os.path.join(self.cert_dir, filename))
        key = os.path.join(self.key_dir, filename)
        shutil.copy(os.path.join(self.base, name + ".key"), key)
        os.chmod(key, 0o600)

    def _client(self, name, subj):
        _openssl("req", "-new", *EC, "-keyout", name + ".key", "-out",
                 name + ".csr", "-subj", subj, cwd=self.base)
        _openssl("x509", "-req", "-in", name + ".csr", "-CA", "ca.pem",
                 "-CAkey", "ca.key", "-CAcreateserial", "-days", "3",
                 "-extfile", "client.ext", "-out", name + ".pem", cwd=self.base)

    def client_ctx(self, cert=None, hostname=True):
        """A client context trusting our server certificates only; cert:
        "client-demo", "client-mail" or "client-rogue" to present one."""
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.load_verify_locations(self.trust)
        ctx.check_hostname = hostname
        if cert:
            ctx.load_cert_chain(os.path.join(self.base, cert + ".pem"),
                                os.path.join(self.base, cert + ".key"))
        return ctx


def peer_cn(sslsock):
    cert = sslsock.getpeercert()
    for rdn in cert["subject"]:
        for k, v in rdn:
            if k == "commonName":
                return v
    return None


# ------------------------------------------------------------ connections

class Conn(LineConn):
    """A line-oriented connection; TLS can start at any point."""
    reset_is_close = True       # a TLS alert or reset is how some servers end

    def __init__(self, address, port, tls_ctx=None, hostname="localhost",
                 timeout=TIMEOUT):
        super().__init__(address, port, timeout)
        if tls_ctx is not None:
            self.sock = tls_ctx.wrap_socket(self.sock, server_hostname=hostname)

    def readline(self):
        """One line as str, CRLF cut (the server must end lines in CRLF)."""
        return self.readline_crlf().decode("utf-8", "replace")

    def starttls(self, ctx, hostname="localhost"):
        assert not self.buf, "unread bytes before TLS: %r" % self.buf
        self.sock = ctx.wrap_socket(self.sock, server_hostname=hostname)
        return self.sock

    def read_to_eof(self, timeout=TIMEOUT):
        return super().read_to_eof(timeout)


class ImapConn(Conn):
    def __init__(self, *a, greeting=True, **kw):
        super().__init__(*a, **kw)
        self.n = 0
        self.greeting = self.readline() if greeting else None

    def tag(self):
        self.n += 1
        return "t%d" % self.n

    def cmd(self, text):
        """Send "TAG text"; return (untagged lines, the tagged line)."""
        tag = self.tag()
        self.send("%s %s\r\n" % (tag, text))
        return self.until_tagged(tag)

    def until_tagged(self, tag):
        untagged = []
        while True:
            line = self.readline()
            if line.startswith(tag + " "):
                return untagged, line
            untagged.append(line)

    def capabilities(self):
        untagged, done = self.cmd("CAPABILITY")
        assert " OK " in done, done
        caps = [l for l in untagged if l.upper().startswith("* CAPABILITY ")]
        assert len(caps) == 1, untagged
        return caps[0].split()[2:]

    def login(self, user="demo", password=PASSWORD):
        return self.cmd('LOGIN %s "%s"' % (user, password))[1]


class PopConn(Conn):
    def cmd(self, line):
        self.send(line + "\r\n")
        return self.readline()

    def __init__(self, *a, greeting=True, **kw):
        super().__init__(*a, **kw)
        self.greeting = self.readline() if greeting else None

    def lines(self):
        out = []
        while True:
            line = self.readline()
            if line == ".":
                return out
            out.append(line[1:] if line.startswith(".") else line)

    def capa(self):
        r = self.cmd("CAPA")
        assert r.startswith("+OK"), r
        return self.lines()


# ------------------------------------------------------------ servers

class Server:
    def __init__(self, program="imapd", certs=None, tls="dir", argv0=None,
                 implicit=False, nopwd=False, client_ca=False, secrets=None,
                 anonymous=False, config_lines=(), extra_args=(), speed=None,
                 address="127.0.0.1"):
        check_prerequisites()
        self.program = program
        self.certs = certs
        self.address = address
        self.uid, self.gid = (NOBODY, NOBODY) if ROOT else (os.getuid(), os.getgid())
        self.scratch = tempfile.mkdtemp(prefix="login-e2e.", dir="/tmp")
        self.tcp = None
        try:
            os.chmod(self.scratch, 0o755)
            self._setup(secrets, anonymous, config_lines)
            argv = self._argv(tls, argv0, implicit, nopwd, client_ca,
                              list(extra_args), speed)
            self._start(argv)
        except BaseException:
            self.stop()
            raise

    def _own(self, path):
        if ROOT:
            os.chown(path, self.uid, self.gid)

    def _setup(self, secrets, anonymous, config_lines):
        self.spool = os.path.join(self.scratch, "spool")
        os.mkdir(self.spool)
        os.chmod(self.spool, 0o1777)
        self.config_file = os.path.join(self.scratch, "c-client.cf")
        with open(self.config_file, "w") as f:
            f.write("set mail-spool-directory %s\n" % self.spool)
            for line in config_lines:
                f.write(line + "\n")
        self.passwd_file = write_accounts(self.scratch, ACCOUNTS, make_hash(),
                                          self.uid, self.gid, self._own)
        for user in ACCOUNTS:
            box = os.path.join(self.spool, user)
            with open(box, "wb") as f:
                f.write(b"From a@example.org Mon Jan  1 10:00:00 2024\n"
                        b"Subject: one\n\nbody\n")
            os.chmod(box, 0o600)
            self._own(box)
        self.secrets_file = write_secrets(self.scratch, secrets)
        self.anonymous_file = os.path.join(self.scratch, "anonymous.newsgroups")
        if anonymous:
            open(self.anonymous_file, "w").close()
        self.empty_dir = os.path.join(self.scratch, "no-certs")
        os.mkdir(self.empty_dir)

    def _argv(self, tls, argv0, implicit, nopwd, client_ca, extra, speed):
        binary = PROGRAMS[self.program]
        if argv0:
            link = os.path.join(self.scratch, argv0)
            os.symlink(binary, link)
            binary = link
        args = [binary, "--passwd", self.passwd_file, "--config",
                self.config_file, "--syslog-stderr",
                "--anonymous-file", self.anonymous_file]
        if tls == "dir":
            args += ["--tls-cert-dir", self.certs.cert_dir,
                     "--tls-key-dir", self.certs.key_dir]
        else:       # nowhere to find a certificate (not even /etc/ssl)
            args += ["--tls-cert-dir", self.empty_dir,
                     "--tls-key-dir", self.empty_dir]
        if implicit:
            args.append("--tls")
        if nopwd:
            args.append("--nopwd")
        if client_ca:
            args += ["--tls-client-ca", self.certs.ca]
        if self.secrets_file:
            args += ["--secrets", self.secrets_file]
        prefix = []
        if speed:
            asan = ":".join(o for o in (os.environ.get("ASAN_OPTIONS", ""),
                                        "verify_asan_link_order=0") if o)
            prefix = ["env", "LD_PRELOAD=" + FAKETIME_LIB,
                      "FAKETIME=+0 x%s" % speed, "ASAN_OPTIONS=" + asan]
        return prefix + args + extra

    def _start(self, args):
        self.tcp = Tcpserver(args, os.path.join(self.scratch, "tcpserver.log"),
                             address=self.address)
        self.proc, self.port = self.tcp.proc, self.tcp.port

    def log_text(self):
        return self.tcp.log_text() if self.tcp else ""

    def mark(self):
        """A position in the log: wait_log(..., since=mark) looks after it."""
        return self.tcp.mark()

    def wait_log(self, text, timeout=5, since=0):
        return self.tcp.wait_log(text, timeout, since)

    def imap(self, **kw):
        return ImapConn(self.address, self.port, **kw)

    def pop(self, **kw):
        return PopConn(self.address, self.port, **kw)

    def conn(self, **kw):
        return Conn(self.address, self.port, **kw)

    def stop(self):
        if self.tcp is not None:
            self.tcp.stop()
        shutil.rmtree(self.scratch, ignore_errors=True)


# ------------------------------------------------------------ SASL clients

def servers_by_name(certs, table):
    """A module fixture's body: get(name) starts table[name] = (program,
    Server keywords) the first time it is asked for; all stop at the end."""
    started = {}

    def get(name):
        if name not in started:
            prog, kw = table[name]
            started[name] = Server(prog, certs, **kw)
        return started[name]
    try:
        yield get
    finally:
        for s in started.values():
            s.stop()


class Plain:
    def __init__(self, user, password, authz=""):
        self.msg = ("%s\0%s\0%s" % (authz, user, password)).encode()

    def initial(self):
        return self.msg

    def respond(self, challenge):
        assert challenge == b"", challenge
        return self.msg


class Login:
    def __init__(self, user, password):
        self.user, self.password = user.encode(), password.encode()

    def initial(self):
        return self.user

    def respond(self, challenge):
        if challenge.lower().startswith(b"username"):
            return self.user
        assert challenge.lower().startswith(b"password"), challenge
        return self.password


def cram_digest(secret, challenge):
    return hmac.new(secret.encode(), challenge, hashlib.md5).hexdigest()


class CramMD5:
    def __init__(self, user, secret):
        self.user, self.secret = user, secret
        self.challenge = None

    def initial(self):
        return None     # RFC 2195: the server speaks first

    def respond(self, challenge):
        assert re.fullmatch(rb"<[^<>@]+@[^<>]+>", challenge), challenge
        self.challenge = challenge
        return ("%s %s" % (self.user, cram_digest(self.secret, challenge))).encode()


class Scram:
    """SCRAM-SHA-256 client (RFC 5802/7677).  The tamper options break the
    client-final message on purpose."""

    def __init__(self, user, password, gs2="n,,", bad_proof=False,
                 bad_nonce=False, bad_cbind=False):
        self.user, self.password, self.gs2 = user, password, gs2
        self.bad_proof, self.bad_nonce, self.bad_cbind = bad_proof, bad_nonce, bad_cbind
        self.cnonce = b64(os.urandom(18))
        self.bare = "n=%s,r=%s" % (user.replace("=", "=3D").replace(",", "=2C"),
                                   self.cnonce)
        self.server_first = None
        self.server_final = None
        self.expected_v = None
        self.step = 0

    def initial(self):
        return (self.gs2 + self.bare).encode()

    def respond(self, challenge):
        self.step += 1
        if self.step == 1 and challenge == b"":
            return self.initial()
        if self.server_first is None:
            return self._final(challenge.decode())
        # server-final: verify the server's signature ourselves
        self.server_final = challenge.decode()
        return b""

    def _final(self, server_first):
        self.server_first = server_first
        attrs = dict(kv.split("=", 1) for kv in server_first.split(","))
        nonce, salt, it = attrs["r"], unb64(attrs["s"]), int(attrs["i"])
        assert nonce.startswith(self.cnonce) and len(nonce) > len(self.cnonce), \
            (nonce, self.cnonce)
        assert it >= 4096, it
        salted = hashlib.pbkdf2_hmac("sha256", self.password.encode(), salt, it)
        client_key = hmac.new(salted, b"Client Key", hashlib.sha256).digest()
        stored_key = hashlib.sha256(client_key).digest()
        cbind = b64(b"n,,x" if self.bad_cbind else self.gs2.encode())
        if self.bad_nonce:
            nonce = nonce[:-1] + ("A" if nonce[-1] != "A" else "B")
        without_proof = "c=%s,r=%s" % (cbind, nonce)
        auth = ",".join((self.bare, server_first, without_proof)).encode()
        sig = hmac.new(stored_key, auth, hashlib.sha256).digest()
        proof = bytes(a ^ b for a, b in zip(client_key, sig))
        if self.bad_proof:
            proof = bytes([proof[0] ^ 1]) + proof[1:]
        server_key = hmac.new(salted, b"Server Key", hashlib.sha256).digest()
        self.expected_v = "v=" + b64(hmac.new(server_key, auth,
                                              hashlib.sha256).digest())
        return ("%s,p=%s" % (without_proof, b64(proof))).encode()


class External:
    def __init__(self, authz=""):
        self.authz = authz.encode()

    def initial(self):
        return self.authz

    def respond(self, challenge):
        assert challenge == b"", challenge
        return self.authz


class Anonymous:
    def __init__(self, trace="tester@example.org"):
        self.trace = trace.encode()

    def initial(self):
        return self.trace

    def respond(self, challenge):
        return self.trace


def is_challenge(line):
    return line == "+" or line.startswith("+ ")


def run_sasl(conn, mech, client, ir=False, pop=False):
    """Drive IMAP AUTHENTICATE (ImapConn) or POP3 AUTH (pop=True).
    Returns (final line, [decoded challenges])."""
    first = client.initial() if ir else None
    arg = ""
    if first is not None:
        arg = " " + (b64(first) if first else "=")
    if pop:
        conn.send("AUTH %s%s\r\n" % (mech, arg))
        tag = None
    else:
        tag = conn.tag()
        conn.send("%s AUTHENTICATE %s%s\r\n" % (tag, mech, arg))
    challenges = []
    while True:
        line = conn.readline()
        if is_challenge(line):
            ch = unb64(line[2:])
            challenges.append(ch)
            resp = client.respond(ch)
            conn.send((b64(resp) if resp else "") + "\r\n")
            continue
        if pop:
            assert line.startswith(("+OK", "-ERR")), line
            return line, challenges
        if line.startswith(tag + " "):
            return line, challenges
        assert line.startswith("* "), line


def auth_start(conn, mech, ir=None, pop=False):
    """Send the command only; returns the tag (None for POP3)."""
    arg = "" if ir is None else " " + ir
    if pop:
        conn.send("AUTH %s%s\r\n" % (mech, arg))
        return None
    tag = conn.tag()
    conn.send("%s AUTHENTICATE %s%s\r\n" % (tag, mech, arg))
    return tag


def final_line(conn, tag):
    """The result line of an exchange (untagged lines skipped)."""
    while True:
        line = conn.readline()
        if tag is None or line.startswith(tag + " "):
            return line
        assert line.startswith("* "), line
