"""imapd and ipop3d on one mbox INBOX: who gives the mailbox up to whom.

- an imapd owner goes when a POP session logs in (POP can't work
  read-only, and the imapd owner obeys the kiss at once);
- an active POP owner ignores the kiss: an imapd newcomer gets READ-ONLY
  after its wait, a second POP newcomer "-ERR [IN-USE]", and the POP
  session's QUIT still deletes what it deleted;
- a POP owner idle for 5 minutes (clocks run fast under libfaketime)
  obeys: "-ERR Received Kiss of Death", nothing deleted."""
import os
import re
import threading
import time

from kodlab import (BYE_KILLED, Lab, assert_ro, assert_rw, faketime_prefix,
                    flock_is_held, lock_content, message, readonly_lines,
                    select, trying_lines)

MSGS = [message(1), message(2), message(3)]
IDS = ["<msg1@test>", "<msg2@test>", "<msg3@test>"]


def pop_size(msgs):
    return sum(len(m.replace(b"\n", b"\r\n")) for m in msgs)


def test_pop_login_kisses_imapd():
    with Lab(MSGS) as lab:
        a, apid = lab.imap_login()
        assert_rw(select(a))
        assert " OK " in a.cmd("STORE 3 +FLAGS (\\Flagged)")[1]
        s, ppid, reply = lab.pop_login()
        assert reply == "+OK Mailbox open, 3 messages", reply
        assert a.read_to_eof() == (BYE_KILLED + "\r\n").encode()
        assert lab.imap_exit_status(apid) == 0
        lab.imap_wait_log("imapd[%d]: Killed (lost mailbox lock) user=demo" % apid)
        assert s.cmd("STAT") == "+OK 3 %d" % pop_size(MSGS)
        path = lab.lock_path()
        assert lock_content(path) == str(ppid).encode()
        assert flock_is_held(path)
        # imapd's flag reached the file before POP read it
        assert "F" in lab.read_inbox()[2].xstatus
        assert s.cmd("DELE 1") == "+OK Message deleted"
        assert s.cmd("QUIT") == "+OK Sayonara"
        lab.pop.wait_log("Logout user=demo")
        assert [m.msgid for m in lab.read_inbox()] == IDS[1:]
        lab.pop.wait_sessions_gone()
        assert not os.path.lexists(path)


def test_active_pop_owner_keeps_mailbox():
    """Both newcomers wait at the same time (one 15 s wait for the two)."""
    with Lab(MSGS) as lab:
        s, ppid, reply = lab.pop_login()
        assert reply == "+OK Mailbox open, 3 messages", reply
        assert s.cmd("DELE 1") == "+OK Message deleted"
        assert s.cmd("STAT") == "+OK 2 %d" % pop_size(MSGS[1:])
        got = {}

        def run(name, newcomer):
            try:
                got[name] = newcomer()
            except BaseException as e:  # reported below, not lost in the thread
                got[name] = e

        threads = [
            threading.Thread(target=run, args=(
                "imap", lambda: select(lab.imap_login()[0]))),
            threading.Thread(target=run, args=(
                "pop", lambda: lab.pop_login()[2]))]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        assert set(got) == {"imap", "pop"}, got
        assert not [v for v in got.values() if isinstance(v, BaseException)], got
        untagged, done = got["imap"]
        assert_ro((untagged, done))
        tried, gave_up = trying_lines(untagged, ppid), readonly_lines(untagged)
        assert len(tried) == 1 and len(gave_up) == 1 and tried[0] < gave_up[0], untagged
        assert got["pop"] == "-ERR [IN-USE] Can't get lock.  Mailbox in use", got["pop"]
        # the owner carries on; its QUIT deletes message 1
        assert lock_content(lab.lock_path()) == str(ppid).encode()
        assert s.cmd("NOOP").startswith("+OK")
        assert s.cmd("QUIT") == "+OK Sayonara"
        lab.pop.wait_log(re.compile(r"ipop3d\[%d\]: Logout user=demo" % ppid))
        assert "Killed" not in lab.pop.log_text()
        assert [m.msgid for m in lab.read_inbox()] == IDS[1:]


def test_idle_pop_owner_obeys():
    """Idle 300 s (clocks 200 times fast: 1.5 s real; autologout at 3 s):
    the imapd newcomer's kiss ends the POP session, deleting nothing."""
    with Lab(MSGS, pop_prefix=faketime_prefix(200)) as lab:
        s, ppid, reply = lab.pop_login()
        assert reply == "+OK Mailbox open, 3 messages", reply
        assert s.cmd("DELE 1") == "+OK Message deleted"
        time.sleep(2.2)
        b, bpid = lab.imap_login()
        untagged, done = select(b)
        assert s.read_to_eof() == b"-ERR Received Kiss of Death\r\n"
        lab.pop.wait_log("ipop3d[%d]: Killed (lost mailbox lock) user=demo" % ppid)
        assert len(trying_lines(untagged, ppid)) == 1, untagged
        assert_rw((untagged, done))
        assert "* 3 EXISTS" in untagged, untagged
        box = lab.read_inbox()
        assert [m.msgid for m in box] == IDS and not any(m.deleted for m in box), box
        assert lock_content(lab.lock_path()) == str(bpid).encode()
