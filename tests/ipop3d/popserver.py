"""Shared helpers for the ipop3d test suites: a scratch server under tcpserver.

Usage (see the test_*.py files for more):

    from popserver import Server, PASSWORD, make_mbox, message

    msgs = [message(1), message(2, body=b"hello\\n")]
    with Server(accounts=["demo"], mailboxes={"demo": msgs}) as srv:
        p = srv.poplib("demo")          # poplib.POP3, logged in with PASSWORD
        p.stat()
        p.quit()
        s = srv.connect()               # RawSession: a raw socket
        s.greeting                      # the greeting line (bytes, CRLF cut)
        s.cmd("USER demo")              # -> the one-line reply (str, no CRLF)
        s.cmd("LIST"); s.lines()        # -> multi-line body, dot-stuffing undone
        s.close()
        srv.wait_log("Logout user=demo")  # the syslog copy (tcpserver's stderr)
        srv.read_mbox("demo")           # -> [MboxMessage] parsed from the spool file

Server(accounts=["demo", ...],     account names; every account has PASSWORD
       mailboxes={user: list of message byte strings, or raw mbox bytes},
                                   the spool file DIR/spool/USER (INBOX)
       secrets={user: secret},     writes a secrets file and passes --secrets
       extra_args=[...],           more ipop3d arguments (e.g. ["--expire", "30"])
       prefix=[...])               words put before the ipop3d program on the
                                   tcpserver command line; must exec ipop3d in
                                   the same process (e.g. faketime_prefix(100))
  .port, .scratch, .passwd_file, .config_file, .secrets_file
  .spool_path(user)              path of the user's INBOX spool file
  .log_text()                    tcpserver's stderr so far: tcpserver -v lines and
                                 ipop3d's --syslog-stderr lines "ipop3d[PID]: ..."
  .wait_log(text, timeout=10)    wait until text (a str or compiled regex) is in
                                 log_text(); returns the log text
  .session_pids(), .wait_session_pid()  pids of the ipop3d processes serving
                                 connections (children of tcpserver)
  .connect() -> RawSession;  .poplib(user=None, password=PASSWORD) -> poplib.POP3
  .read_mbox(user) -> [MboxMessage]  (.raw, .headers (list of (name, value)),
                                 .header(name), .status, .xstatus, .deleted,
                                 .seen, .msgid, .body)
  .imap(user, commands) -> output  runs $BUILDDIR/imapd on a pipe (LOGIN as the
                                 same account, same --passwd/--config) and returns
                                 its output (not as root: preauthenticated as us,
                                 " INBOX" in commands becomes the spool path)
  .imap_uids(user) -> (uidvalidity, [uid, ...]) of INBOX as imapd reports them
  .write_mailbox(user, box)      (re)write a spool file; .stop() (also on exit)

Also: RawSession(port) .send(bytes|str) .readline() .reply() .cmd(line)
  .read_body_raw() (dot-stuffed, through ".\\r\\n") .read_body() .lines()
  .login(user) .read_to_eof(timeout); unstuff(raw); apop_digest(greeting,
  secret); plain_response(user, password); faketime_prefix(speed);
  parse_mbox(bytes); PASSWORD, IPOP3D, IMAPD, BUILDDIR, TOP, ROOT.

message(n, body=..., extra_headers=b"") -> bytes with "Message-ID: <msgN@test>"
make_mbox(messages) -> bytes of an mbox file ("From " lines added; body lines
  starting "From " are quoted ">From "; a message not ending in "\\n" gets
  the "\\n" the mbox format needs between messages, except the last one:
  the file then ends without a newline, which is how the mbox driver
  stores a message without a final newline).  Give mbox status headers
  (e.g. b"X-Status: D\\n") inside a message's own header.

As root (CI), tcpserver runs as root and every account has uid/gid 65534
(nobody), with a scratch home and spool file owned by it; otherwise the
accounts have our own uid.  Everything listens on 127.0.0.1, on a free port
picked at runtime; every socket has a timeout.
"""
import base64
import hashlib
import fcntl
import os
import poplib
import re
import shutil
import subprocess
import tempfile
import time
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))
from tcpserver import Tcpserver, free_port  # noqa: E402  (tests/lib)
from lineconn import LineConn  # noqa: E402  (tests/lib)
from accounts import write_accounts, write_secrets  # noqa: E402  (tests/lib)

TOP = os.environ.get("TOP") or os.path.abspath(
    os.path.join(os.path.dirname(__file__), "..", ".."))
BUILDDIR = os.environ.get("BUILDDIR") or os.path.join(TOP, "build")
IPOP3D = os.path.join(BUILDDIR, "ipop3d")
IMAPD = os.path.join(BUILDDIR, "imapd")
PASSWORD = "s3cret pass"
ROOT = os.geteuid() == 0
NOBODY = 65534
TIMEOUT = 20            # seconds, every socket and wait
FAKETIME_LIB = "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1"

_hash_cache = {}


def check_prerequisites():
    """Fails (AssertionError) with a clear reason when something is missing."""
    assert os.access(IPOP3D, os.X_OK), "%s is not built" % IPOP3D
    assert shutil.which("tcpserver"), \
        "tcpserver missing (Debian package ucspi-tcp; scripts/deps.sh check)"


def make_hash(password=PASSWORD):
    """crypt(3) hash of password, from ipop3d --make-password (imapd's
    if ipop3d is not built)."""
    if password not in _hash_cache:
        prog = IPOP3D if os.access(IPOP3D, os.X_OK) else IMAPD
        p = subprocess.run([prog, "--make-password"], input=password + "\n",
                           capture_output=True, text=True, timeout=TIMEOUT)
        assert p.returncode == 0, p.stderr
        h = p.stdout.strip()
        assert h.startswith("$") and "\n" not in h, h
        _hash_cache[password] = h
    return _hash_cache[password]


def faketime_prefix(speed):
    """Prefix words that run ipop3d under libfaketime, its clocks (wall and
    CLOCK_MONOTONIC, and poll timeouts) running `speed` times fast.  Uses env,
    which execs: the session pid is ipop3d's own (signals reach it)."""
    asan = ":".join(o for o in (os.environ.get("ASAN_OPTIONS", ""),
                                "verify_asan_link_order=0") if o)
    return ["env", "LD_PRELOAD=" + FAKETIME_LIB, "FAKETIME=+0 x%s" % speed,
            "ASAN_OPTIONS=" + asan]


def message(n, body=None, extra_headers=b"", subject=None):
    """A small RFC 822 message (LF line ends) with Message-ID <msgN@test>."""
    if body is None:
        body = b"Body of message %d.\nSecond line.\n" % n
    if subject is None:
        subject = b"Message %d" % n
    return (b"From: sender%d@example.org\n"
            b"To: demo@example.org\n"
            b"Subject: " % n + subject + b"\n"
            b"Message-ID: <msg%d@test>\n" % n
            + extra_headers +
            b"\n" + body)


def make_mbox(messages):
    """An mbox file holding the given messages (bytes, LF line ends)."""
    out = []
    for i, m in enumerate(messages):
        out.append(b"From sender@example.org Mon Jan  1 10:%02d:00 2024\n" % (i % 60))
        # quote body (and header) lines that would look like a From line
        lines = m.split(b"\n")
        lines = [b">" + ln if ln.startswith(b"From ") else ln for ln in lines]
        m = b"\n".join(lines)
        out.append(m)
        if i + 1 < len(messages):
            if not m.endswith(b"\n"):
                out.append(b"\n")
            out.append(b"\n")
        elif m.endswith(b"\n"):
            out.append(b"\n")
        # else: the last message has no final newline: the file ends
        # in its last line (how a message without one is stored)
    return b"".join(out)


class MboxMessage:
    def __init__(self, raw):
        self.raw = raw          # the message as in the file, From line cut
        cut = raw.find(b"\n\n")
        head = raw if cut < 0 else raw[:cut + 1]
        self.body = b"" if cut < 0 else raw[cut + 2:]
        self.headers = []
        for line in head.split(b"\n"):
            if line[:1] in (b" ", b"\t") and self.headers:
                n, v = self.headers[-1]
                self.headers[-1] = (n, v + b"\n" + line)
            elif b":" in line:
                n, v = line.split(b":", 1)
                self.headers.append((n.decode("latin-1").lower(), v.strip()))

    def header(self, name):
        for n, v in self.headers:
            if n == name.lower():
                return v.decode("latin-1")
        return None

    @property
    def status(self):
        return self.header("Status") or ""

    @property
    def xstatus(self):
        return self.header("X-Status") or ""

    @property
    def deleted(self):
        return "D" in self.xstatus

    @property
    def seen(self):
        return "R" in self.status

    @property
    def msgid(self):
        return self.header("Message-ID")

    @property
    def pseudo(self):
        return self.header("X-IMAP") is not None

    def __repr__(self):
        return "<MboxMessage %s status=%r xstatus=%r>" % (
            self.msgid, self.status, self.xstatus)


def parse_mbox(data):
    """The messages of an mbox file (a pseudo message with X-IMAP is left out)."""
    msgs = []
    starts = [m.start() for m in re.finditer(rb"(?m)^From ", data)]
    for i, s in enumerate(starts):
        end = starts[i + 1] if i + 1 < len(starts) else len(data)
        chunk = data[s:end]
        chunk = chunk[chunk.index(b"\n") + 1:]
        if chunk.endswith(b"\n\n"):
            chunk = chunk[:-1]          # the separator line
        m = MboxMessage(chunk)
        if not m.pseudo:
            msgs.append(m)
    return msgs


class RawSession(LineConn):
    """A raw POP3 connection.  Every read has a timeout; lines are bytes
    with the CRLF cut unless said otherwise."""
    encoding = "latin-1"

    def __init__(self, port, timeout=TIMEOUT, read_greeting=True):
        super().__init__("127.0.0.1", port, timeout)
        self.greeting = self.readline() if read_greeting else None

    def readline(self):
        return self.readline_crlf()

    def reply(self):
        """The next one-line reply as str (latin-1), CRLF cut."""
        return self.readline().decode("latin-1")

    def cmd(self, line):
        """Send line + CRLF, return the one-line reply (str)."""
        self.send(line + "\r\n" if isinstance(line, str) else line + b"\r\n")
        return self.reply()

    def read_body_raw(self):
        """The raw bytes of a multi-line body up to and including the
        terminating ".\\r\\n" line (still dot-stuffed)."""
        while True:
            if self.buf.startswith(b".\r\n"):
                i = 0
            else:
                i = self.buf.find(b"\r\n.\r\n")
                if i >= 0:
                    i += 2
            if i >= 0:
                out, self.buf = self.buf[:i + 3], self.buf[i + 3:]
                return out
            self._fill()

    def read_body(self):
        """A multi-line body as bytes with CRLF line ends, dot-stuffing undone,
        terminating line removed."""
        return unstuff(self.read_body_raw())

    def lines(self):
        """A multi-line body as a list of str lines (dot-stuffing undone)."""
        body = self.read_body()
        return [ln.decode("latin-1") for ln in body.split(b"\r\n")[:-1]]

    def login(self, user, password=PASSWORD):
        r = self.cmd("USER " + user)
        assert r.startswith("+OK"), r
        r = self.cmd("PASS " + password)
        assert r.startswith("+OK Mailbox open"), r
        return r

    def read_to_eof(self, timeout=TIMEOUT):
        return super().read_to_eof(timeout)


def unstuff(raw):
    """Undo dot-stuffing of a raw body ending in ".\\r\\n"."""
    assert raw.endswith(b".\r\n"), raw[-20:]
    raw = raw[:-3]
    lines = raw.split(b"\r\n")
    out = [ln[1:] if ln.startswith(b".") else ln for ln in lines]
    return b"\r\n".join(out)


def apop_digest(greeting, secret):
    """The APOP digest for a greeting (str or bytes) and a secret."""
    if isinstance(greeting, bytes):
        greeting = greeting.decode("latin-1")
    m = re.search(r"<[^<>]*>", greeting)
    assert m, "no APOP timestamp in %r" % greeting
    return hashlib.md5((m.group(0) + secret).encode("latin-1")).hexdigest()


def plain_response(authcid, password, authzid=""):
    """base64 of an RFC 4616 PLAIN message (str)."""
    raw = ("%s\0%s\0%s" % (authzid, authcid, password)).encode("latin-1")
    return base64.b64encode(raw).decode("ascii")


class Server:
    def __init__(self, accounts=("demo",), mailboxes=None, secrets=None,
                 extra_args=(), prefix=(), password=PASSWORD):
        check_prerequisites()
        self.accounts = list(accounts)
        self.password = password
        self.uid, self.gid = (NOBODY, NOBODY) if ROOT else (os.getuid(), os.getgid())
        self.scratch = tempfile.mkdtemp(prefix="ipop3d-test.", dir="/tmp")
        self.tcp = None
        try:
            self._setup(mailboxes or {}, secrets)
            self._start(list(extra_args), list(prefix))
        except BaseException:
            self.stop()
            raise

    def _own(self, path):
        if ROOT:
            os.chown(path, self.uid, self.gid)

    def _setup(self, mailboxes, secrets):
        os.chmod(self.scratch, 0o755)
        self.spool = os.path.join(self.scratch, "spool")
        os.mkdir(self.spool)
        os.chmod(self.spool, 0o1777)
        self.config_file = os.path.join(self.scratch, "c-client.cf")
        with open(self.config_file, "w") as f:
            f.write("set mail-spool-directory %s\n" % self.spool)
        self.passwd_file = write_accounts(self.scratch, self.accounts,
                                          make_hash(self.password), self.uid,
                                          self.gid, self._own)
        for user, box in mailboxes.items():
            self.write_mailbox(user, box)
        self.secrets_file = write_secrets(self.scratch, secrets)

    def write_mailbox(self, user, box):
        """(Re)write the user's spool file: box is raw mbox bytes or a list
        of message byte strings."""
        if not isinstance(box, (bytes, bytearray)):
            box = make_mbox(box)
        path = self.spool_path(user)
        with open(path, "wb") as f:
            f.write(box)
        os.chmod(path, 0o600)
        self._own(path)

    def _start(self, extra_args, prefix):
        argv = prefix + [IPOP3D, "--passwd", self.passwd_file,
                         "--config", self.config_file, "--syslog-stderr"]
        if self.secrets_file:
            argv += ["--secrets", self.secrets_file]
        self.tcp = Tcpserver(argv + extra_args,
                             os.path.join(self.scratch, "tcpserver.log"))
        self.proc, self.port = self.tcp.proc, self.tcp.port

    # ------------------------------------------------------------ access
    def spool_path(self, user):
        return os.path.join(self.spool, user)

    def log_text(self):
        return self.tcp.log_text()

    def wait_log(self, text, timeout=10):
        """Wait until text (str, or a compiled regex) is in the log."""
        return self.tcp.wait_log(text, timeout)

    def session_pids(self):
        """Pids of the ipop3d processes that are children of tcpserver."""
        return self.tcp.session_pids(IPOP3D)

    def wait_session_pid(self, timeout=10):
        """The pid of the one ipop3d session running now."""
        return self.tcp.wait_session_pid(IPOP3D, timeout)

    def wait_sessions_gone(self, timeout=10):
        deadline = time.monotonic() + timeout
        while self.session_pids():
            assert time.monotonic() < deadline, "ipop3d sessions still running"
            time.sleep(0.02)

    def connect(self, timeout=TIMEOUT):
        return RawSession(self.port, timeout)

    def poplib(self, user=None, password=None):
        p = poplib.POP3("127.0.0.1", self.port, timeout=TIMEOUT)
        if user is not None:
            p.user(user)
            p.pass_(self.password if password is None else password)
        return p

    def read_mbox(self, user):
        with open(self.spool_path(user), "rb") as f:
            return parse_mbox(f.read())

    def foreign_expunge(self, user, number):
        """Remove message NUMBER (1-based, the pseudo message not counted)
        the way a program that takes no session lock would (a UW tool in a
        chroot without /tmp, a script): under the spool dotlock and an
        exclusive flock, rewriting the file in place.  A Bamboo session
        would have to kiss the POP session first."""
        path = self.spool_path(user)
        lock = path + ".lock"
        fd = os.open(lock, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        os.close(fd)
        try:
            with open(path, "r+b") as f:
                fcntl.flock(f, fcntl.LOCK_EX)
                data = f.read()
                starts = [m.start() for m in re.finditer(rb"(?m)^From ", data)]
                chunks = [data[s:e] for s, e in zip(starts, starts[1:] + [len(data)])]
                real = [i for i, c in enumerate(chunks)
                        if not re.search(rb"(?m)^X-IMAP:", c.split(b"\n\n", 1)[0])]
                del chunks[real[number - 1]]
                f.seek(0)
                f.write(b"".join(chunks))
                f.truncate()
                os.fsync(f.fileno())
        finally:
            os.unlink(lock)

    # ------------------------------------------------------------ imapd
    def imap(self, user, commands):
        """Run $BUILDDIR/imapd on a pipe with the same account file and
        config; LOGIN as user, then the given IMAP command lines (tag each
        yourself), then LOGOUT.  Returns imapd's output (str)."""
        assert os.access(IMAPD, os.X_OK), "%s is not built" % IMAPD
        # As root imapd on a pipe asks for LOGIN; otherwise it is
        # preauthenticated as us (and LOGIN is refused: not sent then).
        script = "L1 LOGIN %s \"%s\"\r\n" % (user, self.password) if ROOT else ""
        if not ROOT:    # INBOX would be ours: name the user's spool file
            box = '"%s"' % self.spool_path(user)
            commands = [re.sub(r" INBOX\b", " " + box, c) for c in commands]
        script += "".join(c + "\r\n" for c in commands)
        script += "L2 LOGOUT\r\n"
        p = subprocess.run([IMAPD, "--passwd", self.passwd_file, "--config",
                            self.config_file], input=script.encode(),
                           capture_output=True, timeout=TIMEOUT)
        out = p.stdout.decode("latin-1")
        assert ("L1 OK" in out or not ROOT) and "L2 OK" in out, (out, p.stderr)
        return out

    def imap_uids(self, user):
        """(UIDVALIDITY, [UID of message 1, 2, ...]) of the user's INBOX
        as imapd reports them (STATUS, then UID FETCH 1:* (UID))."""
        out = self.imap(user, ["a STATUS INBOX (UIDVALIDITY)",
                               "b EXAMINE INBOX", "c UID FETCH 1:* (UID)"])
        m = re.search(r"\* STATUS \S+ \(UIDVALIDITY (\d+)\)", out)
        assert m, out
        uids = [int(u) for u in re.findall(r"\* \d+ FETCH \(UID (\d+)\)", out)]
        return int(m.group(1)), uids

    # ------------------------------------------------------------ end
    def stop(self):
        if self.tcp is not None:
            self.tcp.stop(IPOP3D)	# tcpserver, then any session left
        shutil.rmtree(self.scratch, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()
