"""End-to-end test of "make run": scripts/run-demo.sh for real.

The script runs in a session (process group) of its own, on free ports
chosen here (IMAP_PORT, POP_PORT, IMAPS_PORT, POPS_PORT on 127.0.0.1), with
BUILDDIR pointing at the build under test.  We talk to it with the
standard library's clients (imaplib, poplib) plus a SCRAM-SHA-256 client
written here, then stop it with SIGTERM as "Ctrl-C" would and check that
it cleans up after itself.  Each test stops the script in a finally:
first its own group, then (should the script not do it) the process
groups of the tcpservers it started.
"""
import base64
import hashlib
import hmac
import imaplib
import os
import poplib
import re
import signal
import socket
import ssl
import subprocess
import tempfile
import time

import pytest

TOP = os.environ.get("TOP") or os.path.abspath(
    os.path.join(os.path.dirname(__file__), "..", ".."))
BUILDDIR = os.environ.get("BUILDDIR") or os.path.join(TOP, "build")
SCRIPT = os.path.join(TOP, "scripts", "run-demo.sh")
FIXTURE = os.path.join(TOP, "tests", "fixtures", "demo.mbox")
USER, PASSWORD = "demo", "demo"
TIMEOUT = 20            # any single wait (start-up, a reply, the stop)
PORT_VARS = ("IMAP_PORT", "POP_PORT", "IMAPS_PORT", "POPS_PORT")
# a From_ line as the mbox driver takes it (sender, ctime date)
FROM_RE = re.compile(r"^From \S+ +\w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d \d{4}$",
                     re.M)


def fixture_count():
    with open(FIXTURE, encoding="utf-8", errors="replace") as f:
        return len(FROM_RE.findall(f.read()))


def free_ports(n):
    socks, ports = [], []
    try:
        for _ in range(n):
            s = socket.socket()
            s.bind(("127.0.0.1", 0))
            socks.append(s)
            ports.append(s.getsockname()[1])
    finally:
        for s in socks:
            s.close()
    return ports


def accepts(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=2):
            return True
    except OSError:
        return False


def children(pid):
    """Pids whose parent is pid (the script's tcpservers)."""
    out = []
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % d) as f:
                stat = f.read()
        except OSError:
            continue
        # "pid (comm) state ppid ...": comm may hold spaces or parentheses
        fields = stat[stat.rindex(")") + 2:].split()
        if int(fields[1]) == pid:
            out.append(int(d))
    return out


class Demo:
    """scripts/run-demo.sh running in its own process group."""

    def __init__(self, **env):
        assert os.access(os.path.join(BUILDDIR, "imapd"), os.X_OK), \
            "%s/imapd is not built" % BUILDDIR
        assert os.access(SCRIPT, os.X_OK), SCRIPT
        self.proc = None
        self.kids = []
        self.out = tempfile.NamedTemporaryFile(prefix="run-demo.", suffix=".log",
                                               dir="/tmp")
        try:
            for attempt in range(3):
                self._start(env)
                if self._wait_ready():
                    return
                # a port taken between our choice and the script's bind
                self.stop()
                assert "did not start (port in use?)" in self.output(), \
                    "run-demo.sh failed:\n" + self.output()
            raise AssertionError("run-demo.sh could not bind:\n" + self.output())
        except BaseException:
            self.close()        # the fixture never sees a failed start
            raise

    def _start(self, extra):
        ports = free_ports(len(PORT_VARS))
        self.ports = dict(zip(PORT_VARS, ports))
        env = dict(os.environ, BUILDDIR=BUILDDIR, TMPDIR="/tmp")
        env.pop("DEMO_HOME", None)
        env.pop("DEMO_NOPWD", None)
        env.update({k: str(v) for k, v in self.ports.items()})
        env.update(extra)
        self.out.seek(0)
        self.out.truncate()
        self.proc = subprocess.Popen([SCRIPT], cwd=TOP, env=env,
                                     stdin=subprocess.DEVNULL, stdout=self.out,
                                     stderr=subprocess.STDOUT,
                                     start_new_session=True)

    def _wait_ready(self):
        """True when every port accepts and the banner is out; False when
        the script gave up (exited)."""
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                return False
            self.kids = sorted(set(self.kids) | set(children(self.proc.pid)))
            if ("Bamboo IMAP demo is running." in self.output()
                    and all(accepts(p) for p in self.ports.values())):
                return True
            time.sleep(0.1)
        raise AssertionError("run-demo.sh not ready in %ds:\n%s"
                             % (TIMEOUT, self.output()))

    def output(self):
        with open(self.out.name, "rb") as f:
            return f.read().decode("utf-8", "replace")

    @property
    def imap_port(self):
        return self.ports["IMAP_PORT"]

    @property
    def imaps_port(self):
        return self.ports["IMAPS_PORT"]

    @property
    def pop_port(self):
        return self.ports["POP_PORT"]

    @property
    def pops_port(self):
        return self.ports["POPS_PORT"]

    def scratch(self):
        m = re.search(r"^run-demo: scratch directory (\S+) ", self.output(), re.M)
        assert m, self.output()
        return m.group(1)

    def cert(self):
        m = re.search(r"certificate: self-signed for localhost/127\.0\.0\.1: (\S+)$",
                      self.output(), re.M)
        assert m, self.output()
        return m.group(1)

    def context(self):
        ctx = ssl.create_default_context(cafile=self.cert())
        assert ctx.check_hostname and ctx.verify_mode == ssl.CERT_REQUIRED
        return ctx

    def terminate(self, timeout=TIMEOUT):
        """SIGTERM to the script's group; its exit status."""
        os.killpg(self.proc.pid, signal.SIGTERM)
        return self.proc.wait(timeout)

    def stop(self):
        """However things stand: nothing of ours left running."""
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.kids = sorted(set(self.kids) | set(children(self.proc.pid)))
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
                self.proc.wait(10)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                pass
            if self.proc.poll() is None:
                try:
                    os.killpg(self.proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                self.proc.wait()
        # the tcpservers lead groups of their own: the script stops them,
        # but not if it was killed
        for pid in self.kids:
            try:
                os.killpg(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass

    def close(self):
        self.stop()
        self.out.close()


@pytest.fixture
def demo_factory():
    made = []

    def make(**env):
        d = Demo(**env)
        made.append(d)
        return d
    try:
        yield make
    finally:
        for d in made:
            scratch = re.search(r"^run-demo: scratch directory (\S+) ",
                                d.output(), re.M)
            d.close()
            # a script that died before its EXIT trap leaves its directory
            if scratch and scratch.group(1).startswith("/tmp/bamboo-demo."):
                subprocess.run(["rm", "-rf", "--", scratch.group(1)])


# ------------------------------------------------------------ SCRAM client

class ScramSha256:
    """An RFC 5802/7677 client for imaplib.authenticate(); records whether
    the server proved that it knows the password."""

    def __init__(self, user, password):
        self.password = password.encode()
        self.cnonce = base64.b64encode(os.urandom(18)).decode()
        self.first_bare = "n=%s,r=%s" % (
            user.replace("=", "=3D").replace(",", "=2C"), self.cnonce)
        self.expected = None
        self.server_final = None
        self.steps = 0

    def __call__(self, challenge):
        self.steps += 1
        if self.steps == 1:
            assert challenge == b"", challenge   # no initial response sent
            return ("n,," + self.first_bare).encode()
        if self.steps == 2:
            return self._final(challenge.decode())
        assert self.steps == 3, "unexpected challenge %r" % challenge
        self.server_final = challenge.decode()
        return b""          # RFC 4959 style: an empty line ends it

    def _final(self, server_first):
        attrs = dict(kv.split("=", 1) for kv in server_first.split(","))
        nonce, salt, rounds = attrs["r"], base64.b64decode(attrs["s"]), int(attrs["i"])
        assert nonce.startswith(self.cnonce) and len(nonce) > len(self.cnonce)
        assert rounds >= 4096, rounds
        salted = hashlib.pbkdf2_hmac("sha256", self.password, salt, rounds)
        client_key = hmac.new(salted, b"Client Key", hashlib.sha256).digest()
        stored_key = hashlib.sha256(client_key).digest()
        without_proof = "c=%s,r=%s" % (base64.b64encode(b"n,,").decode(), nonce)
        auth = ",".join((self.first_bare, server_first, without_proof)).encode()
        sig = hmac.new(stored_key, auth, hashlib.sha256).digest()
        proof = bytes(a ^ b for a, b in zip(client_key, sig))
        server_key = hmac.new(salted, b"Server Key", hashlib.sha256).digest()
        self.expected = "v=" + base64.b64encode(
            hmac.new(server_key, auth, hashlib.sha256).digest()).decode()
        return ("%s,p=%s" % (without_proof, base64.b64encode(proof).decode())).encode()


def imap_caps(m):
    typ, data = m.capability()
    assert typ == "OK", data
    return data[0].decode().upper().split()


def select_count(m):
    typ, data = m.select("INBOX", readonly=True)
    assert typ == "OK", data
    return int(data[0])


# ------------------------------------------------------------ the tests

def test_demo_serves_and_stops(demo_factory):
    d = demo_factory()
    want = fixture_count()
    assert want > 0
    scratch = d.scratch()
    assert os.path.isdir(scratch)
    assert d.cert() == os.path.join(scratch, "tls", "certs", "imapd.pem")
    ctx = d.context()

    # IMAPS: the certificate verifies for the name and for the address
    for host in ("localhost", "127.0.0.1"):
        with imaplib.IMAP4_SSL(host, d.imaps_port, ssl_context=ctx,
                               timeout=TIMEOUT) as m:
            assert m.sock.version().startswith("TLS")
            typ, data = m.login(USER, PASSWORD)
            assert typ == "OK", data
            assert select_count(m) == want
            m.logout()

    # the wrong password is refused (one failure only: they are slow)
    with imaplib.IMAP4_SSL("localhost", d.imaps_port, ssl_context=ctx,
                           timeout=TIMEOUT) as m:
        with pytest.raises(imaplib.IMAP4.error):
            m.login(USER, "not-" + PASSWORD)
        m.logout()

    # STARTTLS, then SCRAM-SHA-256 with the server's signature checked
    with imaplib.IMAP4("127.0.0.1", d.imap_port, timeout=TIMEOUT) as m:
        assert "STARTTLS" in imap_caps(m)
        typ, data = m.starttls(ssl_context=ctx)
        assert typ == "OK", data
        caps = imap_caps(m)
        assert "STARTTLS" not in caps
        assert "AUTH=SCRAM-SHA-256" in caps and "AUTH=CRAM-MD5" in caps, caps
        scram = ScramSha256(USER, PASSWORD)
        typ, data = m.authenticate("SCRAM-SHA-256", scram)
        assert typ == "OK", data
        assert scram.steps == 3
        assert scram.expected and scram.server_final == scram.expected, \
            (scram.server_final, scram.expected)
        assert select_count(m) == want
        m.logout()

    # a SCRAM client with the wrong password gets no OK
    with imaplib.IMAP4("127.0.0.1", d.imap_port, timeout=TIMEOUT) as m:
        m.starttls(ssl_context=ctx)
        with pytest.raises(imaplib.IMAP4.error):
            m.authenticate("SCRAM-SHA-256", ScramSha256(USER, "wrong"))
        m.logout()

    # STARTTLS, then CRAM-MD5
    with imaplib.IMAP4("localhost", d.imap_port, timeout=TIMEOUT) as m:
        m.starttls(ssl_context=ctx)
        typ, data = m.login_cram_md5("demo2", PASSWORD)
        assert typ == "OK", data
        assert select_count(m) == want
        m.logout()

    # plaintext LOGIN without TLS: the demo allows it
    with imaplib.IMAP4("127.0.0.1", d.imap_port, timeout=TIMEOUT) as m:
        caps = imap_caps(m)
        assert "LOGINDISABLED" not in caps and "AUTH=PLAIN" in caps, caps
        typ, data = m.login(USER, PASSWORD)
        assert typ == "OK", data
        assert select_count(m) == want
        m.logout()

    # POP3S with APOP
    p = poplib.POP3_SSL("localhost", d.pops_port, context=ctx, timeout=TIMEOUT)
    try:
        assert re.search(r"<[^<>]+@[^<>]+>", p.getwelcome().decode())
        assert p.apop(USER, PASSWORD).startswith(b"+OK")
        assert p.stat()[0] == want
    finally:
        p.quit()

    # POP3 STLS, then USER/PASS
    p = poplib.POP3("127.0.0.1", d.pop_port, timeout=TIMEOUT)
    try:
        assert "STLS" in p.capa()
        assert p.stls(context=ctx).startswith(b"+OK")
        assert p.sock.version().startswith("TLS")
        assert "STLS" not in p.capa()
        assert p.user(USER).startswith(b"+OK")
        assert p.pass_(PASSWORD).startswith(b"+OK")
        assert p.stat()[0] == want
    finally:
        p.quit()

    # Ctrl-C's twin: SIGTERM to the group
    assert d.terminate() == 143     # the script's "exit 143" on SIGTERM
    out = d.output()
    assert "run-demo: stopped" in out.splitlines(), out[-2000:]
    assert not os.path.exists(scratch), scratch
    for port in d.ports.values():
        assert not accepts(port), "port %d still answers" % port
    # the script waited for its tcpservers: none is left, not even a zombie
    assert d.kids, "no tcpserver seen"
    for pid in d.kids:
        assert not os.path.exists("/proc/%d" % pid), "tcpserver %d left" % pid


def test_demo_nopwd(demo_factory):
    d = demo_factory(DEMO_NOPWD="1")
    ctx = d.context()
    assert "NOT with DEMO_NOPWD=1" in d.output()

    with imaplib.IMAP4("127.0.0.1", d.imap_port, timeout=TIMEOUT) as m:
        caps = imap_caps(m)
        assert "LOGINDISABLED" in caps and "STARTTLS" in caps, caps
        assert "AUTH=PLAIN" not in caps and "AUTH=LOGIN" not in caps, caps
        with pytest.raises(imaplib.IMAP4.error, match="PRIVACYREQUIRED"):
            m.login(USER, PASSWORD)
        typ, data = m.starttls(ssl_context=ctx)
        assert typ == "OK", data
        caps = imap_caps(m)
        assert "LOGINDISABLED" not in caps and "AUTH=PLAIN" in caps, caps
        typ, data = m.login(USER, PASSWORD)
        assert typ == "OK", data
        m.logout()

    p = poplib.POP3("127.0.0.1", d.pop_port, timeout=TIMEOUT)
    try:
        capa = p.capa()
        assert "USER" not in capa and "STLS" in capa, capa
        with pytest.raises(poplib.error_proto, match="STLS first"):
            p.user(USER)
        p.stls(context=ctx)
        assert "USER" in p.capa()
        assert p.user(USER).startswith(b"+OK")
        assert p.pass_(PASSWORD).startswith(b"+OK")
    finally:
        p.quit()

    scratch = d.scratch()
    assert d.terminate() == 143
    assert "run-demo: stopped" in d.output().splitlines()
    assert not os.path.exists(scratch)
