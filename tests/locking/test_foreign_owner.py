"""imapd as the newcomer, facing lock files it did not make: an owner that
won't go, a silent owner (no pid), pids that must never be signalled, a
stale file nobody holds, and lock names an attacker prepared (symlinks,
a directory, a FIFO, a hard link, a file we can't open).  Whatever is at
/tmp/.<dev>.<ino>, the session must not hang, crash or write through it;
when it can't hold the lock it opens read-only."""
import os
import stat
import subprocess

import pytest

from kodlab import (NOBODY, ROOT, assert_ro, assert_rw, flock_is_held,
                    foreign_pid, lab_fixture, lock_content, message,
                    readonly_lines, remove_lock_name, select, trying_lines)

MSGS = [message(1), message(2)]


lab = lab_fixture(MSGS)


def newcomer(lab):
    """A second imapd SELECTing INBOX: (pid, untagged, tagged)."""
    b, bpid = lab.imap_login()
    untagged, done = select(b)
    return bpid, untagged, done


def readonly_newcomer(lab):
    """A newcomer that must open read-only at once, kissing nobody: its
    pid."""
    bpid, untagged, done = newcomer(lab)
    assert_readonly_at_once(lab, untagged, done)
    return bpid


def assert_readonly_at_once(lab, untagged, done):
    """Read-only with UW's words, and no kiss asked of anyone."""
    assert_ro((untagged, done))
    assert len(readonly_lines(untagged)) == 1, untagged
    assert not [u for u in untagged if "Trying to get" in u], untagged
    assert "Killed" not in lab.imap_text()


# ------------------------------------------------------------ owners

def test_owner_ignoring_the_kiss(lab):
    """An owner that gets SIGUSR2 and stays: the newcomer says whom it
    asked, waits (UW: 15 s), then settles for read-only."""
    path = lab.lock_path()
    h = lab.holder(path)
    bpid, untagged, done = newcomer(lab)
    assert_ro((untagged, done))
    tried, gave_up = trying_lines(untagged, h.pid), readonly_lines(untagged)
    assert len(tried) == 1 and len(gave_up) == 1 and tried[0] < gave_up[0], untagged
    # the owner kept its lock and its pid in it; it was kissed once
    assert lock_content(path) == str(h.pid).encode()
    assert flock_is_held(path)
    assert h.stop() == 1
    # a read-only session can still read
    assert " OK " in lab.conns[-1].cmd("FETCH 1:2 FLAGS")[1]


def test_silent_owner_no_pid(lab):
    """An empty lock file (a silent stream holds it): nobody to ask, so
    read-only at once."""
    path = lab.lock_path()
    h = lab.holder(path, write_pid=False)
    readonly_newcomer(lab)
    assert lock_content(path) == b""
    assert h.stop() == 0


def dead_pid():
    p = subprocess.Popen(["true"])
    p.wait()
    return p.pid


@pytest.mark.parametrize("content", [
    b"0",                       # kill(0) would signal our own group
    b"-1",                      # kill(-1): every process we may signal
    b"-%d",                     # a process group: the holder's own
    b"99999999999999999999",    # overflows a pid
    b"%d",                      # a pid that has just died
    b"foreign",                 # a live process of another user
])
def test_pids_never_signalled(lab, content):
    """The owner holds the lock but the file names no process we may
    kiss.  Nothing is signalled (the holder, which would notice a kill(0),
    kill(-1) or a kill of its group, counts none) and the newcomer opens
    read-only."""
    path = lab.lock_path()
    h = lab.holder(path, write_pid=False)
    if content == b"foreign":
        content = b"%d" % foreign_pid()
    elif b"%d" in content:
        content = content % (h.pid if content.startswith(b"-") else dead_pid())
    with open(path, "r+b") as f:   # the holder's file, our words in it
        f.write(content)
    bpid = readonly_newcomer(lab)
    assert h.stop() == 0
    assert lab.imap_pids() == {bpid}        # and the newcomer lives


def test_stale_file_nobody_holds(lab):
    """A lock file left by a process that died (flock gone, pid still
    there, mode narrowed): taken over at once, nobody kissed, our pid and
    UW's mode written over it."""
    path = lab.lock_path()
    h = lab.holder(path, flock=False)     # alive, pid in the file, no flock
    os.chmod(path, 0o600)
    with open(path, "ab") as f:
        f.write(b"\nleftover junk after the pid")
    bpid, untagged, done = newcomer(lab)
    assert_rw((untagged, done))
    assert not [u for u in untagged if "Trying to get" in u], untagged
    assert lock_content(path) == str(bpid).encode()
    assert stat.S_IMODE(os.lstat(path).st_mode) == 0o666
    assert flock_is_held(path)
    assert h.stop() == 0


# ------------------------------------------------------------ attacks

def victim(lab, name, data=b"precious\n", mode=0o666):
    """A file an attacker wants written through the lock name: owned by
    the account, writable by it, so only the lock code's care protects it."""
    path = os.path.join(lab.pop.scratch, name)
    with open(path, "wb") as f:
        f.write(data)
    os.chmod(path, mode)
    if ROOT:
        os.chown(path, NOBODY, NOBODY)
    return path


def unchanged(path, data=b"precious\n", mode=0o666):
    st = os.lstat(path)
    with open(path, "rb") as f:
        assert f.read() == data, path
    assert stat.S_IMODE(st.st_mode) == mode, oct(st.st_mode)


def test_symlink_to_a_file(lab):
    path = lab.lock_path()
    target = victim(lab, "victim")
    os.symlink(target, path)
    readonly_newcomer(lab)
    unchanged(target)
    assert os.readlink(path) == target
    assert path in lab.imap_text()          # syslogged (CRIT)


def test_dangling_symlink(lab):
    path = lab.lock_path()
    d = os.path.join(lab.pop.scratch, "open-dir")
    os.mkdir(d)
    os.chmod(d, 0o777)                      # following it could create
    target = os.path.join(d, "created-through-the-link")
    os.symlink(target, path)
    readonly_newcomer(lab)
    assert not os.path.lexists(target)
    assert os.readlink(path) == target
    assert path in lab.imap_text()


def test_directory_at_lock_name(lab):
    path = lab.lock_path()
    os.mkdir(path)
    os.chmod(path, 0o777)
    readonly_newcomer(lab)
    assert os.path.isdir(path) and os.listdir(path) == []
    assert path in lab.imap_text()


def test_fifo_at_lock_name(lab):
    """A FIFO: opening it must not block the session, nor be used."""
    path = lab.lock_path()
    os.mkfifo(path, 0o666)
    os.chmod(path, 0o666)
    readonly_newcomer(lab)
    assert stat.S_ISFIFO(os.lstat(path).st_mode)
    assert path in lab.imap_text()


def test_hard_link_at_lock_name(lab):
    """A second name for someone's file (UW refuses a lock file with more
    than one link): the file must not be truncated or written."""
    path = lab.lock_path()
    target = victim(lab, "linked-victim")
    os.link(target, path)
    readonly_newcomer(lab)
    unchanged(target)
    assert os.lstat(path).st_nlink == 2


def test_unopenable_lock_file(lab):
    """Someone else's 0600 file (as root: root's; else our own with no
    permission at all): can't be opened, so read-only, no crash."""
    path = lab.lock_path()
    with open(path, "wb") as f:
        f.write(b"12345")
    os.chmod(path, 0o600 if ROOT else 0)
    readonly_newcomer(lab)
    assert lock_content(path) == b"12345"
    assert stat.S_IMODE(os.lstat(path).st_mode) == (0o600 if ROOT else 0)
    assert os.lstat(path).st_uid == os.getuid()
    remove_lock_name(path)
    # with the obstacle gone, the next session gets read/write
    b2, b2pid = lab.imap_login()
    assert_rw(select(b2))
