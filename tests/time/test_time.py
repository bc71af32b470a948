"""Time (issue 6): live imapd sessions under libfaketime.

- The wall clock steps back two hours and forward again during a session
  (FAKETIME_TIMESTAMP_FILE re-read on every call; CLOCK_MONOTONIC and
  CLOCK_BOOTTIME left alone, as a real step leaves them): the session goes
  on, each direction is logged once, and a mailbox deleted and created
  again after the step back gets a larger UIDVALIDITY.
- The server's clock ten minutes behind or ahead of the kernel's, which
  stamps the files (a file server ahead or behind; NO_FAKE_STAT so file
  times are the kernel's): the skew warning at login, with both times.
- Dotlock staleness by the file system's clock: with the server ten
  minutes ahead, a fresh foreign INBOX.lock is not broken; one that is two
  minutes old by the file system's clock is, at once.

The servers run under tcpserver with an account file (tests/login's
Server); --syslog-stderr puts their syslog lines in its log.
"""
import os
import re
import shutil
import stat
import sys
import tempfile
import time
import calendar

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "login"))
from loginserver import (Server, FAKETIME_LIB, NOBODY, ROOT,  # noqa: E402
                         TIMEOUT)
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
from made import made  # noqa: E402

MESSAGE = ("From: a@example.org\r\nTo: demo@example.org\r\n"
           "Subject: %s\r\n\r\nbody %s\r\n")
JUMP_BACK = re.compile(r"System clock jumped backward by (\d+) seconds "
                       r"\(from (\S+ \S+) UTC to (\S+ \S+) UTC\); "
                       r"timers are unaffected")
JUMP_FORWARD = re.compile(r"System clock jumped forward by (\d+) seconds "
                          r"\(from (\S+ \S+) UTC to (\S+ \S+) UTC\); "
                          r"timers are unaffected")
SKEW = re.compile(r"Clock skew: this host says (\S+ \S+) UTC, the file "
                  r"system at (\S+) says (\S+ \S+) UTC "
                  r"\((\d+) seconds (ahead|behind)\)")


def utc(text):
    return calendar.timegm(time.strptime(text, "%Y-%m-%d %H:%M:%S"))


class FakeServer(Server):
    """Server run under libfaketime with the given variables (the stat
    calls are not faked: the kernel stamps the files)."""

    def __init__(self, fake_env, **kw):
        assert os.path.exists(FAKETIME_LIB), \
            "%s missing (package libfaketime)" % FAKETIME_LIB
        self.fake_env = dict(fake_env)
        super().__init__(tls=None, **kw)

    def _argv(self, *args):
        argv = super()._argv(*args)
        asan = ":".join(o for o in (os.environ.get("ASAN_OPTIONS", ""),
                                    "verify_asan_link_order=0") if o)
        env = dict(self.fake_env, LD_PRELOAD=FAKETIME_LIB, NO_FAKE_STAT="1",
                   FAKETIME_DONT_FAKE_MONOTONIC="1", ASAN_OPTIONS=asan)
        return ["env"] + ["%s=%s" % kv for kv in sorted(env.items())] + argv

    def home(self, user="demo"):
        return os.path.join(self.scratch, "home-" + user)


@pytest.fixture
def servers():
    def stop(s):
        if s.tcp is not None:
            s.tcp.stop("imapd")         # and any session left
        s.stop()
    yield from made(FakeServer, stop)


def ok(reply):
    untagged, tagged = reply
    assert tagged.split()[1] == "OK", (untagged, tagged)
    return untagged


def uidvalidity(untagged):
    for line in untagged:
        m = re.search(r"\[UIDVALIDITY (\d+)\]", line)
        if m:
            return int(m.group(1))
    raise AssertionError("no UIDVALIDITY in %r" % untagged)


def append(conn, box, subject):
    text = MESSAGE % (subject, subject)
    conn.send("%s APPEND %s {%d}\r\n" % ("a" + subject, box, len(text)))
    assert conn.readline().startswith("+"), "no continuation"
    conn.send(text + "\r\n")
    return ok(conn.until_tagged("a" + subject))


def work(conn, subject):
    """The commands a session must keep doing whatever the clock does"""
    ok(conn.cmd("NOOP"))
    untagged = ok(conn.cmd("SELECT INBOX"))
    exists = [l for l in untagged if l.endswith(" EXISTS")]
    assert exists, untagged
    n = int(exists[0].split()[1])
    untagged = ok(conn.cmd("FETCH 1:* (FLAGS RFC822.SIZE)"))
    assert len([l for l in untagged if " FETCH " in l]) == n, untagged
    untagged = ok(conn.cmd("STORE 1 +FLAGS (\\Flagged)"))
    assert any("\\Flagged" in l for l in untagged), untagged
    append(conn, "INBOX", subject)
    untagged = ok(conn.cmd("NOOP"))
    untagged = ok(conn.cmd("FETCH %d BODY.PEEK[HEADER.FIELDS (SUBJECT)]"
                           % (n + 1)))
    assert any(subject in l for l in untagged), untagged


def set_offset(path, offset):
    """What libfaketime reads on its next call (FAKETIME_NO_CACHE)"""
    with open(path + ".new", "w") as f:
        f.write(offset + "\n")
    os.chmod(path + ".new", 0o644)
    os.rename(path + ".new", path)


@pytest.fixture
def stamp_file():
    """A FAKETIME_TIMESTAMP_FILE the session can read after it became the
    user"""
    d = tempfile.mkdtemp(prefix="time-stamp.", dir="/tmp")
    os.chmod(d, 0o755)
    path = os.path.join(d, "faketime.rc")
    set_offset(path, "+0")
    try:
        yield path
    finally:
        shutil.rmtree(d, ignore_errors=True)


def test_clock_jumps_back_and_forward(servers, stamp_file):
    stamp = stamp_file
    s = servers({"FAKETIME_TIMESTAMP_FILE": stamp, "FAKETIME_NO_CACHE": "1"})
    with s.imap() as c:
        assert c.greeting.startswith("* OK"), c.greeting
        assert c.login().split()[1] == "OK"
        work(c, "before")
        ok(c.cmd("CREATE box"))
        append(c, "box", "first")
        v1 = uidvalidity(ok(c.cmd("SELECT box")))

        # two hours back: nothing stops, one warning
        mark = s.mark()
        set_offset(stamp, "-2h")
        work(c, "back")
        log = s.wait_log(JUMP_BACK, since=mark)
        m = JUMP_BACK.search(log)
        assert int(m.group(1)) in (7199, 7200, 7201), m.group(0)
        assert abs(utc(m.group(2)) - utc(m.group(3)) - 7200) <= 2, m.group(0)
        assert abs(utc(m.group(2)) - time.time()) <= 60, m.group(0)

        # the same name again, after the clock went back: a larger value
        ok(c.cmd("SELECT INBOX"))
        ok(c.cmd("DELETE box"))
        ok(c.cmd("CREATE box"))
        append(c, "box", "second")
        v2 = uidvalidity(ok(c.cmd("SELECT box")))
        assert v2 > v1, (v1, v2)
        assert v1 > time.time() - 7000, v1      # v1 was the real clock
        untagged = ok(c.cmd("FETCH 1:* (UID BODY.PEEK[HEADER.FIELDS "
                            "(SUBJECT)])"))
        assert any("second" in l for l in untagged), untagged
        assert not any("first" in l for l in untagged), untagged

        # forward again: its own warning, once
        mark = s.mark()
        set_offset(stamp, "+0")
        work(c, "forward")
        log = s.wait_log(JUMP_FORWARD, since=mark)
        assert int(JUMP_FORWARD.search(log).group(1)) in (7199, 7200, 7201)

        # back once more: already said in this session
        set_offset(stamp, "-2h")
        work(c, "again")
        set_offset(stamp, "+0")
        work(c, "last")
        ok(c.cmd("LOGOUT"))
    s.wait_log("Logout user=demo")
    log = s.log_text()
    assert len(JUMP_BACK.findall(log)) == 1, log
    assert len(JUMP_FORWARD.findall(log)) == 1, log
    assert "Clock skew" not in log, log     # host and files agreed at login
    # the high-water mark: the user's, private
    mark_file = os.path.join(s.home(), ".bamboo-uidvalidity")
    st = os.stat(mark_file)
    assert stat.S_IMODE(st.st_mode) == 0o600
    if ROOT:
        assert st.st_uid == NOBODY
    with open(mark_file) as f:
        assert max(int(l.split()[0]) for l in f) >= v2


@pytest.mark.parametrize("server_offset,fs_says,delta", [
    ("+10m", "behind", 600),    # this host ahead: the files look old
    ("-10m", "ahead", 600),     # this host behind: a file server ahead
])
def test_file_system_skew(servers, server_offset, fs_says, delta):
    s = servers({"FAKETIME": server_offset})
    with s.imap() as c:
        assert c.login().split()[1] == "OK"
        log = s.wait_log(SKEW)
        work(c, "skewed")
        ok(c.cmd("LOGOUT"))
    m = SKEW.search(log)
    host, where, fs = utc(m.group(1)), m.group(2), utc(m.group(3))
    assert where == s.home(), m.group(0)
    assert m.group(5) == fs_says, m.group(0)
    assert abs(int(m.group(4)) - delta) <= 2, m.group(0)
    assert abs(abs(host - fs) - delta) <= 2, m.group(0)
    assert abs(fs - time.time()) <= 60, m.group(0)   # the kernel's clock
    s.wait_log("Logout user=demo")
    assert len(SKEW.findall(s.log_text())) == 1, s.log_text()
    # the scratch file is gone
    assert not [n for n in os.listdir(s.home()) if ".bamboo-clock" in n]


def session_sleeping(pid):
    """The session sits in a sleep between lock attempts
    (clock_nanosleep, x86_64 syscall 230)"""
    try:
        with open("/proc/%d/syscall" % pid) as f:
            return f.read().split()[0] == "230"
    except OSError:
        return False


def foreign_lock(s, age):
    """INBOX.lock made by someone else, age seconds old by the kernel's
    (the file system's) clock"""
    lock = os.path.join(s.spool, "demo.lock")
    with open(lock, "w") as f:
        f.write("4242\n")
    os.chmod(lock, 0o644)
    if ROOT:
        os.chown(lock, NOBODY, NOBODY)   # the sticky spool: ours to remove
    t = time.time() - age
    os.utime(lock, (t, t))
    return lock


def test_fresh_lock_not_broken_when_ahead(servers):
    s = servers({"FAKETIME": "+10m"},
                config_lines=["set dot-lock-file-timeout 1"])
    with s.imap() as c:
        assert c.login().split()[1] == "OK"
        lock = foreign_lock(s, 0)
        ino = os.stat(lock).st_ino
        c.send("t9 SELECT INBOX\r\n")
        pid = s.tcp.wait_session_pid("imapd")
        deadline = time.monotonic() + TIMEOUT
        while not session_sleeping(pid):
            assert os.path.exists(lock) and os.stat(lock).st_ino == ino, \
                "the fresh lock was broken"
            assert time.monotonic() < deadline, "imapd never waited"
            time.sleep(0.01)
        # it judged the lock and waits: the same lock is still there
        assert os.stat(lock).st_ino == ino
        os.unlink(lock)             # its owner lets go
        untagged, tagged = c.until_tagged("t9")
        assert tagged.startswith("t9 OK"), (untagged, tagged)
        assert not any("Removed" in l for l in untagged), untagged
        assert any(l.endswith(" EXISTS") for l in untagged), untagged
        ok(c.cmd("LOGOUT"))


@pytest.mark.parametrize("server_offset", ["+10m", "-10m"])
def test_old_lock_broken_by_fs_clock(servers, server_offset):
    s = servers({"FAKETIME": server_offset},
                config_lines=["set dot-lock-file-timeout 1"])
    with s.imap() as c:
        assert c.login().split()[1] == "OK"
        lock = foreign_lock(s, 120)
        untagged = ok(c.cmd("SELECT INBOX"))
        text = "\n".join(untagged)
        m = re.search(r"Removed stale lock \S+ \((\d+) seconds old by the "
                      r"file system's clock\)", text)
        assert m, untagged
        assert abs(int(m.group(1)) - 120) <= 5, m.group(0)
        assert not os.path.exists(lock) or os.stat(lock).st_mtime > \
            time.time() - 60
        ok(c.cmd("LOGOUT"))
