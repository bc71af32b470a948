"""Two imapd sessions on one mbox INBOX (issue 6, "Done when"): the
session lock /tmp/.<dev>.<ino>, the kiss of death between them, and
what never takes the lock (EXAMINE, STATUS, APPEND, non-mbox names).
The behaviour tested is docs/locking.md's (UW's protocol)."""
import os
import re
import stat

from kodlab import (BYE_KILLED, NOBODY, READONLY_TEXT, ROOT, USER,
                    assert_ro, assert_rw, flock_is_held, lab_fixture,
                    lock_content, lock_name, message, select, trying_lines)

MSGS = [message(1), message(2), message(3)]


lab = lab_fixture(MSGS)


# ------------------------------------------------------------ the owner

def test_owner_holds_lock_file(lab):
    a, apid = lab.imap_login()
    assert_rw(select(a))
    path = lab.lock_path()
    st = os.lstat(path)
    assert stat.S_ISREG(st.st_mode), oct(st.st_mode)
    # 0666 although imapd runs with umask 077 (Lab)
    assert stat.S_IMODE(st.st_mode) == 0o666, oct(st.st_mode)
    assert st.st_uid == (NOBODY if ROOT else os.getuid())
    assert st.st_nlink == 1
    assert lock_content(path) == str(apid).encode()     # decimal, no newline
    assert flock_is_held(path)
    # a NOOP later, still the same file and owner
    assert " OK " in a.cmd("NOOP")[1]
    assert os.lstat(path).st_ino == st.st_ino
    assert lock_content(path) == str(apid).encode()


# ------------------------------------------------------------ the kiss

def test_second_select_kisses_owner(lab):
    a, apid = lab.imap_login()
    assert_rw(select(a))
    assert " OK " in a.cmd("STORE 2 +FLAGS (\\Flagged \\Answered)")[1]
    assert " OK " in a.cmd("STORE 1 +FLAGS (\\Deleted)")[1]

    b, bpid = lab.imap_login()
    untagged, done = select(b)
    # A: told, gone, with status 0, and syslog says why
    assert a.read_to_eof() == (BYE_KILLED + "\r\n").encode()
    assert lab.imap_exit_status(apid) == 0
    lab.imap_wait_log(re.compile(
        r"imapd\[%d\]: Killed \(lost mailbox lock\) user=%s host=" % (apid, USER)))
    # B: told whom it asked, then read/write
    assert len(trying_lines(untagged, apid)) == 1, untagged
    assert_rw((untagged, done))
    # A's flags were on disk before it let go
    box = lab.read_inbox()
    assert "F" in box[1].xstatus and "A" in box[1].xstatus, box
    assert "F" not in box[0].xstatus and "F" not in box[2].xstatus, box
    # a checkpoint, not an expunge: message 1 stays, marked \Deleted
    assert len(box) == 3 and box[0].deleted, box
    fetch, done = b.cmd("FETCH 2 FLAGS")
    assert " OK " in done
    assert re.search(r"\\Flagged", fetch[0]) and re.search(r"\\Answered", fetch[0]), fetch
    # the lock is B's now
    path = lab.lock_path()
    assert lock_content(path) == str(bpid).encode()
    assert flock_is_held(path)
    assert stat.S_IMODE(os.lstat(path).st_mode) == 0o666
    assert lab.imap_pids() == {bpid}


def test_kiss_during_idle(lab):
    """The owner waiting in IDLE is waiting for its client: it goes too."""
    a, apid = lab.imap_login()
    assert_rw(select(a))
    a.send("%s IDLE\r\n" % a.tag())
    assert a.readline().startswith("+ "), "no IDLE continuation"
    b, bpid = lab.imap_login()
    untagged, done = select(b)
    assert a.read_to_eof().endswith((BYE_KILLED + "\r\n").encode())
    assert lab.imap_exit_status(apid) == 0
    assert len(trying_lines(untagged, apid)) == 1, untagged
    assert_rw((untagged, done))
    assert lock_content(lab.lock_path()) == str(bpid).encode()


def test_chain_of_three(lab):
    """B takes over from A, then C from B: each newcomer kisses the pid
    in the file (the current owner), never an earlier one."""
    a, apid = lab.imap_login()
    assert_rw(select(a))
    b, bpid = lab.imap_login()
    ub, db = select(b)
    assert len(trying_lines(ub, apid)) == 1, ub
    assert_rw((ub, db))
    assert a.read_to_eof() == (BYE_KILLED + "\r\n").encode()
    c, cpid = lab.imap_login()
    uc, dc = select(c)
    assert len(trying_lines(uc, bpid)) == 1 and not trying_lines(uc, apid), uc
    assert_rw((uc, dc))
    assert b.read_to_eof() == (BYE_KILLED + "\r\n").encode()
    assert lock_content(lab.lock_path()) == str(cpid).encode()


# ------------------------------------------------------------ no lock, no kiss

def test_examine_status_append_never_kiss(lab):
    b, bpid = lab.imap_login()
    # nobody holds it: a read-only open creates no lock file
    assert_ro(select(b, verb="EXAMINE"))
    assert not os.path.lexists(lab.lock_path())
    assert " OK " in b.cmd("CLOSE")[1]

    a, apid = lab.imap_login()
    assert_rw(select(a))
    path = lab.lock_path()
    untagged, done = select(b, verb="EXAMINE")
    assert_ro((untagged, done))
    assert not [u for u in untagged if "Trying" in u or READONLY_TEXT in u], untagged
    status, done = b.cmd("STATUS INBOX (MESSAGES)")
    assert " OK " in done and "MESSAGES 3" in " ".join(status), status
    # APPEND to the open mailbox: delivery, not a session
    msg = message(4).replace(b"\n", b"\r\n")
    tag = b.tag()
    b.send("%s APPEND INBOX {%d}\r\n" % (tag, len(msg)))
    assert b.readline().startswith("+")
    b.send(msg + b"\r\n")
    assert " OK " in b.until_tagged(tag)[1]
    # A is still there, still the owner, and sees the new message
    untagged, done = a.cmd("NOOP")
    assert " OK " in done and "* 4 EXISTS" in untagged, untagged
    assert lock_content(path) == str(apid).encode()
    assert flock_is_held(path)
    assert apid in lab.imap_pids()
    assert "Killed" not in lab.imap_text()


def test_other_mailbox_no_interference(lab):
    other = lab.mailbox("other.mbox", open(lab.inbox, "rb").read())
    a, apid = lab.imap_login()
    assert_rw(select(a))
    b, bpid = lab.imap_login()
    assert_rw(select(b, "other.mbox"))
    assert lock_content(lab.lock_path()) == str(apid).encode()
    assert lock_content(lock_name(other)) == str(bpid).encode()
    assert " OK " in a.cmd("NOOP")[1]
    assert "Killed" not in lab.imap_text()


def test_non_mbox_names_take_no_lock(lab):
    """Only the mbox driver (DR_SESSIONLOCK) locks: a directory (the dummy
    driver's), a file no driver claims and a missing name leave /tmp
    alone."""
    folder = os.path.join(lab.home, "folder")
    os.mkdir(folder)
    if ROOT:
        os.chown(folder, NOBODY, NOBODY)
    junk = lab.mailbox("junk.txt", b"This is not a mailbox.\nJust text.\n")
    a, apid = lab.imap_login()
    for name in ("folder", "junk.txt", "missing.mbox"):
        untagged, done = select(a, name)
        assert re.match(r"t\d+ NO ", done), (name, untagged, done)
    for path in (folder, junk):
        assert not os.path.lexists(lock_name(path)), path
    # the dummy driver in LIST/STATUS neither
    assert " OK " in a.cmd('LIST "" "*"')[1]
    assert not os.path.lexists(lock_name(folder))


# ------------------------------------------------------------ letting go

def test_lock_gone_after_logout_close_and_switch(lab):
    other = lab.mailbox("other.mbox", open(lab.inbox, "rb").read())
    a, apid = lab.imap_login()
    assert_rw(select(a))
    path = lab.lock_path()
    assert os.path.exists(path)
    assert " OK " in a.cmd("CLOSE")[1]
    assert not os.path.lexists(path)

    assert_rw(select(a))
    assert os.path.exists(path)
    assert_rw(select(a, "other.mbox"))      # SELECT another: the first goes
    assert not os.path.lexists(path)
    assert lock_content(lock_name(other)) == str(apid).encode()

    assert_rw(select(a))
    untagged, done = a.cmd("LOGOUT")
    assert " OK " in done and untagged[0].startswith("* BYE"), untagged
    assert lab.imap_exit_status(apid) == 0
    assert not os.path.lexists(path)
    assert not os.path.lexists(lock_name(other))
