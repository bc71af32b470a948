"""mlock(8) on its own: the protocol ("+" once the lock is held, unlock on
one byte or EOF), waiting for someone else's lock, and the argument checks
(a non-zero status, no "+" and nothing created for every bad call).  mlock
runs as nobody from a setgid-mail copy; the spool is root:mail 1775."""
import os
import signal
import stat
import sys

import pytest

sys.path.insert(0, os.path.dirname(__file__))
from mlockscratch import NOBODY, WAIT, finish, read_answer, spool  # noqa: E402,F401

PATH_MAX = os.pathconf("/", "PC_PATH_MAX")
# mlock's exit statuses (mlock.8)
UNLOCKED, USAGE, CHECK, NOLOCK = 0, 2, 3, 4


def held(s, p, mbox=None):
    """mlock answered "+" and the lock it holds is a file of group mail."""
    lock = (mbox or s.mbox) + ".lock"
    assert read_answer(p, WAIT) == b"+", finish(p)
    st = os.lstat(lock)
    assert stat.S_ISREG(st.st_mode)
    assert (st.st_uid, st.st_gid) == (NOBODY, s.gid)
    return st


def test_byte_on_stdin_unlocks(spool):
    p = spool.lock()
    held(spool, p)
    assert spool.entries() == ["nobody", "nobody.lock"]  # no hitching posts
    p.stdin.write(b"+")
    p.stdin.flush()
    assert p.wait(timeout=WAIT) == UNLOCKED     # stdin is still open
    assert finish(p) == (UNLOCKED, b"", "")
    assert spool.entries() == ["nobody"]


def test_eof_on_stdin_unlocks(spool):
    """The caller died: its end of the pipe closes."""
    p = spool.lock()
    held(spool, p)
    p.stdin.close()
    assert p.wait(timeout=WAIT) == UNLOCKED
    assert spool.entries() == ["nobody"]


def test_signals_do_not_leave_the_lock(spool):
    """SIGINT, SIGHUP, SIGPIPE and SIGQUIT are ignored (the lock stays
    held); SIGTERM unlocks and exits."""
    p = spool.lock()
    held(spool, p)
    for sig in (signal.SIGINT, signal.SIGHUP, signal.SIGPIPE, signal.SIGQUIT):
        os.kill(p.pid, sig)
    p.stdin.write(b"x")
    p.stdin.flush()
    assert p.wait(timeout=WAIT) == UNLOCKED
    assert spool.entries() == ["nobody"]
    p = spool.lock()
    held(spool, p)
    p.send_signal(signal.SIGTERM)
    assert p.wait(timeout=WAIT) == UNLOCKED
    assert spool.entries() == ["nobody"]


def test_waits_for_someone_elses_lock(spool):
    lock = spool.mbox + ".lock"
    with open(lock, "w"):
        pass
    theirs = os.stat(lock).st_ino
    p = spool.lock()
    assert read_answer(p, 1.5) == b""           # no "+" while it is theirs
    assert p.poll() is None
    assert os.stat(lock).st_ino == theirs       # and theirs is left alone
    os.unlink(lock)
    held(spool, p)
    p.stdin.close()
    assert p.wait(timeout=WAIT) == UNLOCKED
    assert spool.entries() == ["nobody"]


def test_stale_lock_is_overridden(spool):
    """A lock ten minutes old by the file system's clock (default timeout
    five minutes) is removed, as by every dotlock user.  It is nobody's own
    (left by a crashed session): the sticky bit lets nobody else remove
    it."""
    lock = spool.mbox + ".lock"
    with open(lock, "w"):
        pass
    os.chown(lock, NOBODY, NOBODY)
    old = os.stat(lock).st_mtime - 600
    os.utime(lock, (old, old))
    p = spool.lock()
    st = held(spool, p)
    assert st.st_mtime > old + 300
    p.stdin.close()
    assert p.wait(timeout=WAIT) == UNLOCKED
    assert spool.entries() == ["nobody"]


def test_caller_gone_before_the_lock(spool):
    """The caller gives up while mlock waits: once mlock gets the lock it
    cannot say "+", so it removes the lock again."""
    lock = spool.mbox + ".lock"
    with open(lock, "w"):
        pass
    p = spool.lock()
    assert read_answer(p, 1.0) == b""
    p.stdout.close()                            # nobody reads the "+" now
    os.unlink(lock)
    assert p.wait(timeout=WAIT) == NOLOCK
    assert spool.entries() == ["nobody"]


def test_not_setgid_gets_no_lock(spool):
    """Without its setgid bit mlock cannot write the spool either: no "+",
    status 4, a reason on stderr, nothing left behind."""
    plain = spool.install("mlock-plain", 0o755)
    p = spool.start(["3", spool.mbox], mlock=plain)
    rc, out, err = finish(p)
    assert (rc, out) == (NOLOCK, b"")
    assert "cannot create %s.lock (is mlock setgid mail?)" % spool.mbox in err
    assert spool.entries() == ["nobody"]


def deep_mailbox(s, length):
    """A mailbox whose absolute path is exactly LENGTH bytes long, in a
    1775 root:mail directory under nested directories."""
    parent = os.path.join(s.dir, "deep")
    os.mkdir(parent, 0o755)
    name = "nobody"
    while len(parent) + 1 + 201 + 1 + len(name) < length:
        parent = os.path.join(parent, "d" * 200)
        os.mkdir(parent, 0o755)
    pad = length - len(parent) - 2 - len(name)
    spooldir = s.spool_dir(os.path.join(parent, "s" * pad))
    mbox = s.mailbox(spooldir, name)
    assert len(mbox) == length
    return mbox


def test_longest_path(spool):
    """PATH_MAX - 6 bytes still fits "<path>.lock" and works."""
    mbox = deep_mailbox(spool, PATH_MAX - 6)
    p = spool.lock(mbox)
    held(spool, p, mbox)
    p.stdin.close()
    assert p.wait(timeout=WAIT) == UNLOCKED
    assert sorted(os.listdir(os.path.dirname(mbox))) == ["nobody"]


def test_path_one_byte_too_long(spool):
    mbox = deep_mailbox(spool, PATH_MAX - 5)
    rc, out, err = finish(spool.lock(mbox))
    assert (rc, out) == (USAGE, b"")
    assert "too long" in err
    assert sorted(os.listdir(os.path.dirname(mbox))) == ["nobody"]


def setup_other_files(s):
    s.mailbox(s.spool, "other")
    os.symlink("other", os.path.join(s.spool, "link"))
    os.symlink("nobody", os.path.join(s.spool, "self-link"))


# (arguments, shell redirection, expected status, words of the reason);
# $DIR is the spool, $MBOX the mailbox; by default fd 3 is the mailbox.
M = "$MBOX"
BAD_CALLS = {
    "no arguments": ([], None, USAGE, "usage"),
    "fd only": (["3"], None, USAGE, "usage"),
    "extra argument": (["3", M, "x"], None, USAGE, "usage"),
    "negative fd": (["-1", M], None, USAGE, "usage"),
    "plus sign": (["+3", M], None, USAGE, "usage"),
    "trailing junk": (["3x", M], None, USAGE, "usage"),
    "leading blank": ([" 3", M], None, USAGE, "usage"),
    "trailing blank": (["3 ", M], None, USAGE, "usage"),
    "empty fd": (["", M], None, USAGE, "usage"),
    "hex fd": (["0x3", M], None, USAGE, "usage"),
    "overflow": (["99999999999999999999", M], None, USAGE, "usage"),
    "int overflow": (["4294967299", M], None, USAGE, "usage"),
    "fd 0": (["0", M], '0<>"$MBOX"', USAGE, "usage"),
    "fd 1": (["1", M], '1<>"$MBOX"', USAGE, "usage"),
    "fd 2": (["2", M], '2<>"$MBOX"', USAGE, None),   # said into the file
    "fd not open": (["7", M], None, CHECK, "not open"),
    "fd a directory": (["3", M], '3<"$DIR"', CHECK, "regular file"),
    "fd a pipe": (["3", M], "3<&0", CHECK, "regular file"),
    "relative path": (["3", "spool/nobody"], None, USAGE, "not absolute"),
    "empty path": (["3", ""], None, USAGE, "not absolute"),
    "dot-dot": (["3", "$DIR/../spool/nobody"], None, USAGE, "component"),
    "dot": (["3", "$DIR/./nobody"], None, USAGE, "component"),
    "double slash": (["3", "$DIR//nobody"], None, USAGE, "component"),
    "trailing slash": (["3", M + "/"], None, USAGE, "component"),
    "root": (["3", "/"], None, USAGE, "component"),
    "other file": (["3", "$DIR/other"], None, CHECK, "not the file open"),
    "symlink elsewhere": (["3", "$DIR/link"], None, CHECK, "not the file"),
    "missing file": (["3", "$DIR/nobody2"], None, CHECK, "No such file"),
    "fd on another file": (["3", M], '3<>"$DIR/other"', CHECK, "not the file"),
}


@pytest.mark.parametrize("case", sorted(BAD_CALLS))
def test_bad_call(spool, case):
    args, redirect, status, reason = BAD_CALLS[case]
    setup_other_files(spool)
    before = spool.entries()
    # the shell expands $DIR and $MBOX in the arguments
    args = [a.replace("$DIR", spool.spool).replace("$MBOX", spool.mbox)
            for a in args]
    p = spool.start(args, redirect=redirect or '3<>"$MBOX"')
    rc, out, err = finish(p)
    assert (rc, out) == (status, b""), err
    if reason is None:          # the caller made the mailbox our stderr
        assert err == ""
    else:
        assert reason in err, err
        assert err.count("\n") == 1 and err.startswith("mlock: "), err
    assert spool.entries() == before


def test_symlink_to_the_mailbox_itself(spool):
    """A link naming the very file open on the fd passes the check; the
    lock is "<link>.lock", the name the caller locks by."""
    setup_other_files(spool)
    link = os.path.join(spool.spool, "self-link")
    p = spool.start(["3", link])
    assert read_answer(p, WAIT) == b"+", finish(p)
    assert os.path.exists(link + ".lock")
    p.stdin.close()
    assert p.wait(timeout=WAIT) == UNLOCKED
    assert not os.path.exists(link + ".lock")


def test_no_environment_reaches_the_library(spool):
    """BAMBOO_CCLIENT_CF must not let a user choose mlock's configuration:
    a file making locks unbreakable-by-others mode 0600 is ignored."""
    cf = os.path.join(spool.dir, "evil.cf")
    with open(cf, "w") as f:
        f.write("set lock-protection 0600\n")
    os.chmod(cf, 0o644)
    p = spool.start(["3", spool.mbox], env={"BAMBOO_CCLIENT_CF": cf})
    st = held(spool, p)
    assert stat.S_IMODE(st.st_mode) != 0o600
    p.stdin.close()
    assert p.wait(timeout=WAIT) == UNLOCKED
