"""The session lock and kiss of death, end to end (issue 6): a scratch
"lab" with one account whose INBOX is an mbox spool file, served at the
same time by ipop3d and imapd, each under its own tcpserver.

Reused, not copied: tests/ipop3d/popserver.py makes the account file,
spool, c-client.cf and ipop3d's tcpserver (Server); imapd gets a second
tcpserver (tests/lib/tcpserver.py) with the same --passwd and --config;
tests/login/loginserver.py's ImapConn is the IMAP client.  Both servers
run with --syslog-stderr, so their syslog lines land in the tcpserver
logs (imap_log / pop.log_text()), together with tcpserver's
"end PID status N" lines.  As root (CI) the account runs as nobody.

    with Lab(messages) as lab:
        a = lab.imap_login()            # ImapConn, logged in as demo
        pid = lab.imap_pid_new(before)  # the imapd session that appeared
        lab.lock_path()                 # /tmp/.<dev hex>.<ino hex> of INBOX
        lab.holder(...)                 # a stand-in owner process (Holder)

Holder: a small Python process, as the account's user, that plays the
owner of a lock file the way a foreign c-client application would:
it writes a pid (or nothing, like a silent stream), flocks the file (or
not: a stale file), counts the SIGUSR2 it gets and never gives up.
"""
import fcntl
import os
import re
import subprocess
import sys
import time

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
for d in ("lib", "ipop3d", "login"):
    sys.path.insert(0, os.path.join(HERE, "..", d))

from tcpserver import Tcpserver  # noqa: E402
import popserver  # noqa: E402
from popserver import (IMAPD, IPOP3D, NOBODY, PASSWORD, ROOT,  # noqa: E402
                       RawSession)
from popserver import faketime_prefix, message  # noqa: E402,F401 (for tests)
from loginserver import ImapConn  # noqa: E402

USER = "demo"
TIMEOUT = 30            # seconds: longer than the newcomer's 15 s retry
TRYING = "Trying to get mailbox lock from process %d"
READONLY_TEXT = "Mailbox is open by another process, access is readonly"
BYE_KILLED = "* BYE Killed (lost mailbox lock)"


def lock_name(path):
    """UW's session lock name for a mailbox file: /tmp/.<dev>.<ino>."""
    st = os.stat(path)
    return "/tmp/.%x.%x" % (st.st_dev, st.st_ino)


def remove_lock_name(name):
    """Whatever a test left at a lock name (file, link, dir, fifo)."""
    try:
        if os.path.isdir(name) and not os.path.islink(name):
            os.rmdir(name)
        else:
            os.unlink(name)
    except FileNotFoundError:
        pass


def as_account():
    """Popen keywords running a child as the account's user."""
    return dict(user=NOBODY, group=NOBODY, extra_groups=[]) if ROOT else {}


def lab_fixture(messages):
    """A pytest fixture giving each test a fresh Lab with these messages."""
    @pytest.fixture
    def lab():
        with Lab(messages) as lab:
            yield lab
    return lab


class Lab:
    def __init__(self, messages, pop_prefix=()):
        self.pop = popserver.Server(accounts=[USER],
                                    mailboxes={USER: messages},
                                    prefix=list(pop_prefix))
        self.imap_tcp = None
        self.holders = []
        self.conns = []
        self.extra_names = []
        try:
            self.inbox = self.pop.spool_path(USER)
            self.home = os.path.join(self.pop.scratch, "home-" + USER)
            self.lock = lock_name(self.inbox)
            remove_lock_name(self.lock)     # a leftover of a dead inode
            self.imap_log = os.path.join(self.pop.scratch, "imapd.log")
            # a strict umask: the lock file must be 0666 all the same
            umask = os.umask(0o077)
            try:
                self.imap_tcp = Tcpserver(
                    [IMAPD, "--passwd", self.pop.passwd_file, "--config",
                     self.pop.config_file, "--syslog-stderr"], self.imap_log)
            finally:
                os.umask(umask)
        except BaseException:
            self.stop()
            raise

    # ------------------------------------------------------------ files
    def lock_path(self):
        """The lock name of INBOX now (asserting the inode did not move)."""
        name = lock_name(self.inbox)
        assert name == self.lock, "INBOX changed inode: %s -> %s" % (self.lock, name)
        return name

    def mailbox(self, name, data):
        """Another mailbox file in the account's home; returns its path."""
        path = os.path.join(self.home, name)
        with open(path, "wb") as f:
            f.write(data)
        os.chmod(path, 0o600)
        if ROOT:
            os.chown(path, NOBODY, NOBODY)
        self.extra_names.append(path)
        return path

    def read_inbox(self):
        return self.pop.read_mbox(USER)

    # ------------------------------------------------------------ imapd
    def imap(self):
        c = ImapConn("127.0.0.1", self.imap_tcp.port, timeout=TIMEOUT)
        self.conns.append(c)
        assert c.greeting.startswith("* OK"), c.greeting
        return c

    def imap_pids(self):
        return set(self.imap_tcp.session_pids(IMAPD))

    def imap_login(self):
        """A new logged-in IMAP connection and its imapd pid."""
        before = self.imap_pids()
        c = self.imap()
        done = c.login(USER, PASSWORD)
        assert done.startswith("t1 OK"), done
        return c, self.new_pid(before, self.imap_pids)

    def imap_text(self):
        try:
            with open(self.imap_log, "rb") as f:
                return f.read().decode("utf-8", "replace")
        except FileNotFoundError:
            return ""

    def imap_wait_log(self, text, timeout=10):
        return self.imap_tcp.wait_log(text, timeout)

    def imap_exit_status(self, pid, timeout=10):
        """tcpserver's "end PID status N" for an imapd session."""
        log = self.imap_tcp.wait_log(re.compile(r"end %d status \d+" % pid),
                                     timeout)
        return int(re.search(r"end %d status (\d+)" % pid, log).group(1))

    # ------------------------------------------------------------ ipop3d
    def pop_login(self):
        """A new POP session past PASS; returns (RawSession, pid, reply)."""
        before = set(self.pop.session_pids())
        s = RawSession(self.pop.port, timeout=TIMEOUT)
        self.conns.append(s)
        r = s.cmd("USER " + USER)
        assert r.startswith("+OK"), r
        pid = self.new_pid(before, lambda: set(self.pop.session_pids()))
        return s, pid, s.cmd("PASS " + PASSWORD)

    # ------------------------------------------------------------ common
    @staticmethod
    def new_pid(before, now, timeout=10):
        deadline = time.monotonic() + timeout
        while True:
            new = now() - before
            if len(new) == 1:
                return new.pop()
            assert time.monotonic() < deadline, "new sessions: %r" % new
            time.sleep(0.02)

    def holder(self, path, write_pid=True, flock=True):
        h = Holder(path, write_pid, flock)
        self.holders.append(h)
        return h

    def stop(self):
        for c in self.conns:
            c.close()
        for h in self.holders:
            h.stop()
        if self.imap_tcp is not None:
            self.imap_tcp.stop(IMAPD)
        self.pop.tcp.stop(IPOP3D)
        for p in [self.inbox] + self.extra_names:
            try:
                remove_lock_name(lock_name(p))
            except OSError:
                pass
        self.pop.stop()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


# A stand-in lock owner.  argv: PATH PID|EMPTY FLOCK|NOFLOCK.  It says
# "held" once the file is as asked, "kissed" for every SIGUSR2 (which it
# otherwise ignores: the owner that won't go), and leaves when its stdin
# closes, unlinking the file while still holding it, as an owner does.
HOLDER = r"""
import fcntl, os, signal, sys
path, content, lock = sys.argv[1:4]
signal.signal(signal.SIGUSR2, lambda *a: print("kissed", flush=True))
fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o666)
os.fchmod(fd, 0o666)
if lock == "FLOCK":
    fcntl.flock(fd, fcntl.LOCK_EX)
os.ftruncate(fd, 0)
if content == "PID":
    os.write(fd, str(os.getpid()).encode())
print("held", flush=True)
sys.stdin.read()
if lock == "FLOCK":
    os.unlink(path)
"""


class Holder:
    def __init__(self, path, write_pid=True, flock=True):
        """Runs as the account's user: the kiss of the account's imapd
        reaches it."""
        self.path = path
        self.proc = subprocess.Popen(
            [sys.executable, "-c", HOLDER, path,
             "PID" if write_pid else "EMPTY",
             "FLOCK" if flock else "NOFLOCK"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
            start_new_session=True,     # its pid is its group: kill(-pid)
            **as_account())
        self.pid = self.proc.pid
        line = self.proc.stdout.readline()
        assert line == "held\n", "holder did not start: %r" % line
        self.out = ""

    def stop(self):
        """Ends it; returns how many kisses it got."""
        if self.proc.poll() is None:
            try:
                self.out, _ = self.proc.communicate("", timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.out, _ = self.proc.communicate()
        return self.out.count("kissed")


def foreign_pid():
    """A live process of another user than the account's: a kiss from the
    account's imapd can't reach it (kill fails with EPERM)."""
    mine = NOBODY if ROOT else os.getuid()
    for d in sorted(os.listdir("/proc"), key=lambda x: (len(x), x)):
        if d.isdigit():
            try:
                if os.stat("/proc/" + d).st_uid != mine:
                    return int(d)
            except OSError:
                pass
    raise AssertionError("no process of another user than %d to name" % mine)


def flock_is_held(path):
    """True if someone holds an flock on path (our LOCK_NB attempt fails)."""
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)
    return False


# ------------------------------------------------------------ IMAP replies

def select(conn, box="INBOX", verb="SELECT"):
    """(untagged lines, tagged line) of SELECT/EXAMINE."""
    return conn.cmd("%s %s" % (verb, box))


def assert_rw(reply):
    untagged, done = reply
    assert re.match(r"t\d+ OK \[READ-WRITE\] ", done), reply
    assert not [u for u in untagged if READONLY_TEXT in u], reply


def assert_ro(reply):
    assert re.match(r"t\d+ OK \[READ-ONLY\] ", reply[1]), reply


def notices(untagged, text):
    """Indexes of the untagged NO/OK lines saying exactly text (no
    response code: mm_log's warnings are not alerts)."""
    return [i for i, u in enumerate(untagged)
            if re.fullmatch(r"\* (NO|OK) " + re.escape(text), u)]


def trying_lines(untagged, pid):
    """Where the newcomer says it asked process pid to go."""
    return notices(untagged, TRYING % pid)


def readonly_lines(untagged):
    """Where the newcomer says it settles for read-only."""
    return notices(untagged, READONLY_TEXT)


def lock_content(path):
    with open(path, "rb") as f:
        return f.read()
