"""imapd ends a session cleanly on a signal and on LOGOUT, saving flags.

imapd runs on pipes in its test mode (preauthenticated: a non-root user
on a non-TCP stdin), as nobody when the tests run as root, with INBOX a
spool file in a scratch dir.  A flag set just before the signal, or just
before LOGOUT, must be in the mailbox file when the process is gone.
"""
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "ipop3d"))
from popserver import faketime_prefix  # noqa: E402

TOP = os.environ.get("TOP") or os.path.abspath(
    os.path.join(os.path.dirname(__file__), "..", ".."))
BUILDDIR = os.environ.get("BUILDDIR") or os.path.join(TOP, "build")
IMAPD = os.path.join(BUILDDIR, "imapd")
ROOT = os.geteuid() == 0
NOBODY = 65534

MBOX = (b"From a@example.org Mon Jan  1 10:00:00 2024\n"
        b"Subject: one\n\nbody one\n\n"
        b"From b@example.org Mon Jan  1 11:00:00 2024\n"
        b"Subject: two\n\nbody two\n\n")


@pytest.fixture
def session():
    scratch = tempfile.mkdtemp(prefix="imapd-sig.")
    os.chmod(scratch, 0o755)
    home = os.path.join(scratch, "home")
    spool = os.path.join(scratch, "spool")
    os.mkdir(home)
    os.mkdir(spool)
    os.chmod(spool, 0o1777)
    user = "nobody" if ROOT else None
    if user is None:
        import pwd
        user = pwd.getpwuid(os.geteuid()).pw_name
    inbox = os.path.join(spool, user)
    with open(inbox, "wb") as f:
        f.write(MBOX)
    cf = os.path.join(scratch, "c-client.cf")
    with open(cf, "w") as f:
        f.write("set mail-spool-directory %s\n" % spool)
    if ROOT:
        os.chown(home, NOBODY, NOBODY)
        os.chown(inbox, NOBODY, NOBODY)
    argv = [IMAPD, "--config", cf, "--syslog-stderr"]
    if ROOT:
        argv = ["setpriv", "--reuid=%d" % NOBODY, "--regid=%d" % NOBODY,
                "--clear-groups"] + argv
    # An ASan build must tolerate libfaketime's LD_PRELOAD coming first
    env = dict(os.environ, HOME=home)
    env["ASAN_OPTIONS"] = ":".join(
        o for o in (os.environ.get("ASAN_OPTIONS", ""),
                    "verify_asan_link_order=0") if o)
    procs = []

    def start(prefix=()):
        cmd = argv
        if prefix:              # e.g. faketime, run as the session user
            i = argv.index(IMAPD)
            cmd = argv[:i] + list(prefix) + argv[i:]
        p = subprocess.Popen(cmd, stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             env=env)
        procs.append(p)
        return p

    yield start, inbox
    for p in procs:
        if p.poll() is None:
            p.kill()
            p.wait()
    shutil.rmtree(scratch, ignore_errors=True)


def readline_until(p, prefix, seconds=10):
    lines = []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        line = p.stdout.readline()
        assert line, "imapd closed its output; got %r" % lines
        lines.append(line)
        if line.startswith(prefix):
            return lines
    raise AssertionError("no %r in %r" % (prefix, lines))


def flag_and_wait(p):
    readline_until(p, b"* PREAUTH")
    p.stdin.write(b"a SELECT INBOX\r\nb STORE 2 +FLAGS (\\Flagged)\r\n")
    p.stdin.flush()
    readline_until(p, b"a OK")
    readline_until(p, b"b OK")


@pytest.mark.parametrize("sig,bye,logline", [
    (signal.SIGTERM, b"* BYE Server shutting down", b"Killed (terminated)"),
    (signal.SIGHUP, None, b"Hangup"),
    (signal.SIGUSR2, b"* BYE Killed (lost mailbox lock)",
     b"Killed (lost mailbox lock)"),
])
def test_signal_saves_flags(session, sig, bye, logline):
    start, inbox = session
    p = start()
    flag_and_wait(p)
    os.kill(p.pid, sig)  # setpriv execs imapd: same pid
    out, err = p.communicate(timeout=10)
    assert p.returncode == 0, (out, err)
    if bye:
        assert out.startswith(bye), out
    else:
        assert b"BYE" not in out, out
    assert logline + b" user=" in err, err
    with open(inbox, "rb") as f:
        data = f.read()
    # message 2's status block carries the flag; message 1's does not
    second = data[data.index(b"Subject: two"):]
    first = data[:data.index(b"Subject: two")]
    assert b"X-Status: F" in second, data
    assert b"X-Status: F" not in first, data


def test_logout_saves_before_ok(session):
    start, inbox = session
    p = start()
    flag_and_wait(p)
    p.stdin.write(b"c LOGOUT\r\n")
    p.stdin.flush()
    lines = readline_until(p, b"c OK")
    assert lines[0].startswith(b"* BYE"), lines
    # the tagged OK is out: the mailbox must already be saved, even if the
    # process dies right now
    with open(inbox, "rb") as f:
        data = f.read()
    assert b"X-Status: F" in data[data.index(b"Subject: two"):], data
    os.kill(p.pid, signal.SIGKILL)
    p.wait()


def test_signal_during_idle(session):
    start, inbox = session
    p = start()
    flag_and_wait(p)
    p.stdin.write(b"c IDLE\r\n")
    p.stdin.flush()
    readline_until(p, b"+ ")
    os.kill(p.pid, signal.SIGTERM)
    out, err = p.communicate(timeout=10)
    assert p.returncode == 0, (out, err)
    assert b"* BYE Server shutting down" in out, out
    assert b"Killed (terminated) user=" in err, err


def test_idle_autologout(session):
    """IDLE ends with UW's autologout after 30 minutes without a word from
    the client.  libfaketime runs imapd's clocks 1000 times fast, so this
    takes a few seconds; the mailbox is saved on the way out."""
    start, inbox = session
    # libfaketime preloaded, not the faketime(1) wrapper, whose named
    # semaphore (by pid) is left behind when a wrapper is killed, and makes a
    # later wrapper with the same pid fail at once ("sem_open: File exists")
    p = start(tuple(faketime_prefix(1000)))
    flag_and_wait(p)
    p.stdin.write(b"c IDLE\r\n")
    p.stdin.flush()
    readline_until(p, b"+ ")
    # stdin stays open: the client is silent, not gone
    lines = readline_until(p, b"* BYE")
    assert lines[-1].startswith(b"* BYE Autologout; idle for too long"), lines
    assert p.wait(timeout=30) == 0
    err = p.stderr.read()
    assert b"Autologout user=" in err, err
    with open(inbox, "rb") as f:
        data = f.read()
    assert b"X-Status: F" in data[data.index(b"Subject: two"):], data
