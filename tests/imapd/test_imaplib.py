"""imapd over TCP with Python's imaplib, under ucspi-tcp's tcpserver.

The server is started with the command line of contrib/tcpserver/run (its
address, port, program and account file replaced by test ones, and
--config added so INBOX is a spool file in a scratch dir).  As root the two
accounts have the uid/gid of nobody (65534) and a scratch home/spool owned
by it; otherwise they have our own uid.  Everything listens on 127.0.0.1
only and is stopped in the fixture's teardown.
"""
import imaplib
import os
import re
import shlex
import shutil
import socket
import subprocess
import tempfile
import time

import pytest

TOP = os.environ.get("TOP") or os.path.abspath(
    os.path.join(os.path.dirname(__file__), "..", ".."))
BUILDDIR = os.environ.get("BUILDDIR") or os.path.join(TOP, "build")
IMAPD = os.path.join(BUILDDIR, "imapd")
RUN_SAMPLE = os.path.join(TOP, "contrib", "tcpserver", "run")
SAMPLE_PROGRAM = "/usr/local/sbin/imapd"
SAMPLE_PASSWD = "/etc/imapd.passwd"
PASSWORD = "s3cret pass"
ROOT = os.geteuid() == 0
NOBODY = 65534

# What the issue requires after login (UW/Panda's list plus MOVE, ID, ENABLE).
REQUIRED_CAPS = ("IMAP4REV1 I18NLEVEL=1 LITERAL+ IDLE UIDPLUS NAMESPACE "
                 "CHILDREN BINARY UNSELECT ESEARCH WITHIN SORT "
                 "THREAD=REFERENCES THREAD=ORDEREDSUBJECT MULTIAPPEND SASL-IR "
                 "SCAN MOVE ID ENABLE").split()


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def sample_command():
    """The tcpserver command of contrib/tcpserver/run, as a word list."""
    with open(RUN_SAMPLE) as f:
        for line in f:
            words = shlex.split(line, comments=True)
            if words[:2] == ["exec", "tcpserver"]:
                return words[1:]
    raise AssertionError("no 'exec tcpserver' line in " + RUN_SAMPLE)


def make_hash(password):
    p = subprocess.run([IMAPD, "--make-password"], input=password + "\n",
                       capture_output=True, text=True, timeout=30)
    assert p.returncode == 0, p.stderr
    h = p.stdout.strip()
    assert h.startswith("$") and "\n" not in h, h
    return h


class Server:
    def __init__(self, argv, port, scratch, accounts):
        self.port = port
        self.scratch = scratch
        self.accounts = accounts
        self.log = open(os.path.join(scratch, "tcpserver.log"), "wb")
        self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL,
                                     stdout=self.log, stderr=subprocess.STDOUT,
                                     start_new_session=True)
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), 1).close()
                break
            except OSError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError("tcpserver did not start: " + self.logtext())
                time.sleep(0.05)

    def logtext(self):
        with open(os.path.join(self.scratch, "tcpserver.log"), "rb") as f:
            return f.read().decode("utf-8", "replace")

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()

    def inbox(self, user):
        return os.path.join(self.scratch, "spool", user)

    def connect(self):
        return imaplib.IMAP4("127.0.0.1", self.port, timeout=20)

    def login(self, user="demo"):
        m = self.connect()
        typ, _ = m.login(user, PASSWORD)
        assert typ == "OK"
        return m


def start_server(scratch, uid, gid, accounts, extra_argv=(), wrap=()):
    """Accounts, homes, spool and tcpserver from the sample's command line."""
    os.chmod(scratch, 0o755)
    spool = os.path.join(scratch, "spool")
    os.mkdir(spool)
    os.chmod(spool, 0o1777)
    cf = os.path.join(scratch, "c-client.cf")
    with open(cf, "w") as f:
        f.write("set mail-spool-directory %s\n" % spool)
    h = make_hash(PASSWORD)
    lines = ["# test accounts"]
    for user in accounts:
        home = os.path.join(scratch, user)
        os.mkdir(home)
        box = os.path.join(spool, user)
        shutil.copy(os.path.join(TOP, "tests", "fixtures", "demo.mbox"), box)
        os.chmod(box, 0o600)
        if ROOT:
            os.chown(home, uid, gid)
            os.chown(box, uid, gid)
        lines.append("%s:%s:%d:%d:Test %s:%s:/bin/sh" % (user, h, uid, gid, user, home))
    pw = os.path.join(scratch, "passwd")
    with open(pw, "w") as f:
        f.write("\n".join(lines) + "\n")
    os.chmod(pw, 0o644)
    port = free_port()
    argv = []
    for w in sample_command():
        argv.append({"0": "127.0.0.1", "143": str(port), SAMPLE_PROGRAM: IMAPD,
                     SAMPLE_PASSWD: pw}.get(w, w))
    # "-l 0" would become "-l 127.0.0.1": harmless, it is only the name
    # tcpserver puts in TCPLOCALHOST.
    argv += ["--config", cf] + list(extra_argv)
    return Server(list(wrap) + argv, port, scratch, accounts)


@pytest.fixture(scope="module")
def server():
    if not os.access(IMAPD, os.X_OK):
        pytest.fail("%s is not built" % IMAPD)
    if shutil.which("tcpserver") is None:
        pytest.fail("tcpserver missing (Debian package ucspi-tcp; scripts/deps.sh check)")
    scratch = tempfile.mkdtemp(prefix="imapd-imaplib.", dir="/tmp")
    uid, gid = (NOBODY, NOBODY) if ROOT else (os.getuid(), os.getgid())
    srv = start_server(scratch, uid, gid, ["demo", "demo2"])
    yield srv
    srv.stop()
    shutil.rmtree(scratch, ignore_errors=True)


def caps_of(m):
    typ, data = m.capability()
    assert typ == "OK"
    return data[0].decode().upper().split()


# ------------------------------------------------------------------ tests

def test_greeting_is_ok_with_capability(server):
    s = socket.create_connection(("127.0.0.1", server.port), 10)
    greeting = s.makefile("rb").readline().decode()
    s.close()
    # Over TCP there is never the pipe test mode's PREAUTH.
    assert re.match(r"\* OK \[CAPABILITY [^]]*IMAP4REV1[^]]*\] ", greeting, re.I), greeting
    assert "PREAUTH" not in greeting.upper()


def test_capability_before_and_after_login(server):
    m = server.connect()
    before = caps_of(m)
    assert "IMAP4REV1" in before
    assert "LOGINDISABLED" not in before
    typ, _ = m.login("demo", PASSWORD)
    assert typ == "OK"
    after = caps_of(m)
    missing = [c for c in REQUIRED_CAPS if c not in after]
    assert not missing, "missing after login: %s (got %s)" % (missing, after)
    m.logout()


def test_login_failures_are_slow_and_say_nothing(server):
    m = server.connect()
    t0 = time.monotonic()
    with pytest.raises(imaplib.IMAP4.error) as bad_pw:
        m.login("demo", "wrong")
    t1 = time.monotonic()
    with pytest.raises(imaplib.IMAP4.error) as bad_user:
        m.login("nosuchuser", PASSWORD)
    t2 = time.monotonic()
    # UW: 3 s per failure; allow some slack either way.
    assert t1 - t0 >= 2.5 and t2 - t1 >= 2.5, (t1 - t0, t2 - t1)
    # No detail: the same text for a bad password and an unknown user.
    assert str(bad_pw.value) == str(bad_user.value)
    # Still usable after two failures.
    typ, _ = m.login("demo", PASSWORD)
    assert typ == "OK"
    m.logout()


def test_mail_flow(server):
    m = server.login("demo")
    typ, data = m.select("INBOX")
    assert typ == "OK"
    n = int(data[0])
    assert n == 7   # tests/fixtures/demo.mbox
    typ, data = m.fetch("1", "(FLAGS BODY.PEEK[HEADER.FIELDS (SUBJECT)])")
    assert typ == "OK"
    assert b"Subject: Welcome to Bamboo IMAP" in data[0][1]
    typ, data = m.search(None, "FROM", "bob")
    assert typ == "OK" and data[0].split() == [b"2"]
    typ, data = m.store("1", "+FLAGS", "(\\Flagged)")
    assert typ == "OK" and b"\\Flagged" in data[0]
    typ, _ = m.create("Archive")
    assert typ == "OK"
    typ, data = m.copy("1:2", "Archive")
    assert typ == "OK"
    typ, data = m.status("Archive", "(MESSAGES)")
    assert typ == "OK" and b"MESSAGES 2" in data[0]
    typ, data = m.append("INBOX", "(\\Seen)", imaplib.Time2Internaldate(1700000000),
                         b"Subject: appended\r\n\r\nhello\r\n")
    assert typ == "OK"
    typ, data = m.noop()
    typ, data = m.search(None, "SUBJECT", "appended")
    assert data[0].split() == [b"8"]
    typ, data = m.fetch("8", "(FLAGS INTERNALDATE)")
    assert b"\\Seen" in data[0]
    assert b"14-Nov-2023" in data[0]
    typ, data = m.store("2", "+FLAGS", "(\\Deleted)")
    typ, data = m.expunge()
    assert typ == "OK" and data == [b"2"]
    typ, data = m.select("INBOX")
    assert int(data[0]) == 7
    typ, data = m.logout()
    assert typ == "BYE"
    # The changes are in the spool file.  imapd may still be closing the
    # mailbox after its "OK LOGOUT": give it a moment.
    deadline = time.monotonic() + 5
    while True:
        with open(server.inbox("demo"), "rb") as f:
            box = f.read()
        gone = not re.search(rb"^Subject: Lunch on Thursday\?\r?$", box, re.M)
        if gone or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert b"Subject: appended" in box
    assert gone
    assert re.search(rb"^Subject: Re: Lunch on Thursday\?\r?$", box, re.M)


def test_two_sessions_see_each_other(server):
    a = server.login("demo2")
    b = server.login("demo2")
    typ, data = a.select("INBOX")
    n = int(data[0])
    # B reads only: a second read/write SELECT would kiss A goodbye (UW's
    # session lock, tests/locking)
    typ, data = b.select("INBOX", readonly=True)
    assert int(data[0]) == n
    b.untagged_responses.clear()
    typ, _ = a.append("INBOX", None, None, b"Subject: from A\r\n\r\nhi B\r\n")
    assert typ == "OK"
    typ, _ = b.noop()
    assert typ == "OK"
    assert b.untagged_responses.get("EXISTS") == [str(n + 1).encode()], b.untagged_responses
    b.untagged_responses.clear()
    # A deletes message 1; B hears of the EXPUNGE at its next NOOP.
    a.store("1", "+FLAGS", "(\\Deleted)")
    typ, data = a.expunge()
    assert data == [b"1"]
    typ, _ = b.noop()
    assert b.untagged_responses.get("EXPUNGE") == [b"1"], b.untagged_responses
    # A flags a message and checkpoints (CHECK writes it to the mbox);
    # B hears of it at its next NOOP as an untagged FETCH FLAGS.
    b.untagged_responses.clear()
    a.store("2", "+FLAGS", "(\\Flagged)")
    typ, _ = a.check()
    assert typ == "OK"
    # The mbox driver notices a rewrite by the file's times, in whole
    # seconds (as UW): let a second pass so this is not a same-second case.
    time.sleep(1.1)
    typ, _ = b.noop()
    fetches = b.untagged_responses.get("FETCH", [])
    assert any(re.match(rb"2 \(.*FLAGS \([^)]*\\Flagged", f) for f in fetches), \
        b.untagged_responses
    # B's view now matches A's.
    typ, da = a.fetch("1:*", "UID")
    typ, db = b.fetch("1:*", "UID")
    assert [x for x in da if b"UID" in x] == [x for x in db if b"UID" in x]
    a.logout()
    b.logout()


def raw_session(server, user="demo"):
    """A logged-in raw socket session: (socket, file, cmd function)."""
    s = socket.create_connection(("127.0.0.1", server.port), 20)
    f = s.makefile("rb")
    assert read_line(f).startswith("* OK")

    def cmd(text):
        tag = text.split()[0]
        s.sendall(text.encode() + b"\r\n")
        lines = []
        while True:
            ln = read_line(f)
            lines.append(ln)
            if ln.startswith(tag + " "):
                return lines

    if user:
        assert cmd('l1 LOGIN %s "%s"' % (user, PASSWORD))[-1].startswith("l1 OK")
    return s, f, cmd


def test_no_expunge_during_fetch_store_search(server):
    """RFC 3501 7.4.1: an EXPUNGE by another session is not reported during
    FETCH, STORE or SEARCH (it would shift the message numbers they use),
    but it is at NOOP, and during UID FETCH."""
    a = server.login("demo2")
    typ, data = a.select("INBOX")
    n = int(data[0])
    assert n >= 3
    s, f, cmd = raw_session(server, "demo2")
    # b reads only (a second writer would kiss a); its STORE is refused,
    # but even a refused STORE must not report the EXPUNGE
    assert cmd("b1 EXAMINE INBOX")[-1].startswith("b1 OK")
    a.store("1", "+FLAGS", "(\\Deleted)")
    typ, data = a.expunge()
    assert data == [b"1"]
    for c, want in (("b2 FETCH 1:* UID", "OK"), ("b3 STORE 2 +FLAGS (\\Seen)", "NO"),
                    ("b4 SEARCH ALL", "OK")):
        out = cmd(c)
        assert out[-1].split()[1] == want, out
        assert not any(ln.endswith("EXPUNGE\r\n") for ln in out), (c, out)
    out = cmd("b5 NOOP")
    assert "* 1 EXPUNGE\r\n" in out, out
    assert cmd("b6 LOGOUT")[-1].startswith("b6 OK")
    s.close()
    a.logout()


def test_before_login(server):
    """Not authenticated: small literal limit, state errors, no PREAUTH."""
    s, f, cmd = raw_session(server, user=None)
    out = cmd("p1 SELECT INBOX")
    assert out[-1].startswith("p1 BAD") or out[-1].startswith("p1 NO"), out
    # A literal above LIM_IMAP_LITERAL_NOAUTH (8192) is refused before "+".
    s.sendall(b"p2 LOGIN {100000}\r\n")
    ln = read_line(f)
    assert ln.startswith("p2 BAD") or ln.startswith("* BYE"), ln
    if ln.startswith("p2 BAD"):
        # A synchronising literal within the limit works for LOGIN.
        s.sendall(b"p3 LOGIN demo {%d}\r\n" % len(PASSWORD))
        assert read_line(f).startswith("+ ")
        s.sendall(PASSWORD.encode() + b"\r\n")
        ln = read_line(f)
        while not ln.startswith("p3 "):
            ln = read_line(f)
        assert ln.startswith("p3 OK"), ln
        assert cmd("p4 LOGIN demo x")[-1].startswith("p4 BAD"), "LOGIN twice"
        assert cmd("p5 LOGOUT")[-1].startswith("p5 OK")
    s.close()


def read_line(f):
    line = f.readline()
    assert line, "server closed the connection"
    return line.decode("utf-8", "replace")


def test_idle_over_raw_socket(server):
    s, f, cmd = raw_session(server, "demo")
    sel = cmd("t2 SELECT INBOX")
    assert sel[-1].startswith("t2 OK [READ-WRITE]")
    n = int([ln.split()[1] for ln in sel if ln.endswith("EXISTS\r\n")][0])
    s.sendall(b"t3 IDLE\r\n")
    assert read_line(f).startswith("+ ")
    other = server.login("demo")
    other.append("INBOX", None, None, b"Subject: during idle\r\n\r\nwake up\r\n")
    other.logout()
    # UW checks for new mail every few seconds while idling.
    s.settimeout(60)
    got = read_line(f)
    while "EXISTS" not in got:
        got = read_line(f)
    assert got == "* %d EXISTS\r\n" % (n + 1)
    s.sendall(b"DONE\r\n")
    ln = read_line(f)
    while not ln.startswith("t3 "):
        ln = read_line(f)
    assert ln.startswith("t3 OK")
    assert cmd("t4 LOGOUT")[-1].startswith("t4 OK")
    s.close()


def test_non_root_over_tcp_is_not_preauthenticated():
    """The test mode (PREAUTH) is for pipes only: a non-root imapd on a TCP
    socket greets with OK and wants LOGIN."""
    if shutil.which("tcpserver") is None:
        pytest.fail("tcpserver missing")
    scratch = tempfile.mkdtemp(prefix="imapd-nonroot.", dir="/tmp")
    wrap = ()
    if ROOT:
        wrap = ("setpriv", "--reuid=%d" % NOBODY, "--regid=%d" % NOBODY, "--clear-groups")
        uid = gid = NOBODY
    else:
        uid, gid = os.getuid(), os.getgid()
    srv = start_server(scratch, uid, gid, ["solo"], wrap=wrap)
    try:
        s = socket.create_connection(("127.0.0.1", srv.port), 10)
        greeting = s.makefile("rb").readline().decode()
        s.close()
        assert greeting.startswith("* OK "), greeting
        m = srv.login("solo")
        typ, data = m.select("INBOX")
        assert typ == "OK" and int(data[0]) == 7
        m.logout()
    finally:
        srv.stop()
        shutil.rmtree(scratch, ignore_errors=True)


def test_logout_closes_connection(server):
    """LOGOUT (also before login): BYE, tagged OK, then the server closes."""
    m = server.login("demo")
    m.logout()
    s = socket.create_connection(("127.0.0.1", server.port), 10)
    f = s.makefile("rb")
    read_line(f)
    s.sendall(b"x LOGOUT\r\n")
    assert read_line(f).startswith("* BYE")
    assert read_line(f).startswith("x OK")
    assert f.readline() == b""
    s.close()


# ------------------------------------------------ the contrib samples

def installed_imapd_path():
    """sbindir/imapd as the Makefile's install target puts it (defaults)."""
    with open(os.path.join(TOP, "Makefile")) as f:
        mk = f.read()
    prefix = re.search(r"^PREFIX\s*\?=\s*(\S+)", mk, re.M).group(1)
    sbindir = re.search(r"^sbindir\s*\?=\s*(\S+)", mk, re.M).group(1)
    sbin_programs = re.search(r"^SBIN_PROGRAMS\s*:=\s*(.*)$", mk, re.M).group(1).split()
    assert "imapd" in sbin_programs
    return sbindir.replace("$(PREFIX)", prefix) + "/imapd"


SAMPLES = ["inetd.conf", "xinetd.d/imap", "tcpserver/run", "systemd/imap@.service"]


@pytest.mark.parametrize("sample", SAMPLES)
def test_sample_names_installed_program(sample):
    path = installed_imapd_path()
    assert path == SAMPLE_PROGRAM
    with open(os.path.join(TOP, "contrib", sample)) as f:
        text = f.read()
    assert path in text


def test_systemd_socket_accepts():
    with open(os.path.join(TOP, "contrib", "systemd", "imap.socket")) as f:
        text = f.read()
    assert re.search(r"^Accept=yes$", text, re.M)
    assert re.search(r"^ListenStream=143$", text, re.M)
    with open(os.path.join(TOP, "contrib", "systemd", "imap@.service")) as f:
        svc = f.read()
    assert re.search(r"^StandardInput=socket$", svc, re.M)


def test_inetd_line_fields():
    with open(os.path.join(TOP, "contrib", "inetd.conf")) as f:
        lines = [ln.split() for ln in f if ln.strip() and not ln.startswith("#")]
    imap = [fields for fields in lines if fields[0] == "imap"]
    assert len(imap) == 1
    fields = imap[0]
    assert fields[:5] == ["imap", "stream", "tcp", "nowait", "root"]
    assert fields[6] == "imapd"
    # the POP3 line, the same way
    pop = [fields for fields in lines if fields[0] == "pop3"]
    assert len(pop) == 1
    assert pop[0][:5] == ["pop3", "stream", "tcp", "nowait", "root"]
    assert pop[0][6] == "ipop3d"


def test_xinetd_service_fields():
    with open(os.path.join(TOP, "contrib", "xinetd.d", "imap")) as f:
        text = f.read()
    kv = dict(re.findall(r"^\s*(\w+)\s*\+?=\s*(.*?)\s*$", text, re.M))
    assert kv["socket_type"] == "stream"
    assert kv["wait"] == "no"
    assert kv["user"] == "root"
    assert kv["server"] == SAMPLE_PROGRAM


def test_imapd_options_of_samples_are_accepted():
    """Every sample passes only --passwd FILE: imapd must know the option
    (checked with --help, which lists the options)."""
    p = subprocess.run([IMAPD, "--help"], capture_output=True, text=True, timeout=10)
    out = p.stdout + p.stderr
    for opt in ("--passwd", "--config", "--alert", "--syslog-stderr",
                "--make-password", "--version"):
        assert opt in out, opt
