"""ipop3d's session: syslog lines, autologout, signals (SIGHUP, SIGTERM,
SIGUSR2 kiss of death).  Whatever ends a session other than QUIT deletes
nothing: the spool file is checked afterwards.

Long timers run under libfaketime (popserver.faketime_prefix): ipop3d's
clocks, CLOCK_MONOTONIC included, and its poll timeouts run N times fast.
"""
import os
import re
import signal
import time

import pytest

from popserver import PASSWORD, Server, faketime_prefix, message

MSGS = [message(1), message(2), message(3)]
IDS = ["<msg1@test>", "<msg2@test>", "<msg3@test>"]


def size(m):
    return len(m.replace(b"\n", b"\r\n"))


@pytest.fixture
def srv():
    with Server(accounts=["demo"], mailboxes={"demo": MSGS}) as s:
        yield s


def intact(srv):
    box = srv.read_mbox("demo")
    assert [m.msgid for m in box] == IDS, box
    assert not any(m.deleted for m in box), box
    assert not any(m.seen for m in box), box


def log_lines(srv):
    """The ipop3d syslog lines: [(pid, text)]."""
    return [(int(m.group(1)), m.group(2)) for m in
            re.finditer(r"(?m)^ipop3d\[(\d+)\]: (.*)$", srv.log_text())]


# ------------------------------------------------------------ syslog

def test_syslog_login_update_logout(srv):
    s = srv.connect()
    pid = srv.wait_session_pid()
    s.login("demo")
    s.cmd("RETR 1")
    s.read_body()
    s.cmd("DELE 2")
    s.cmd("DELE 3")
    assert s.cmd("QUIT") == "+OK Sayonara"
    assert s.read_to_eof() == b""
    srv.wait_log("Logout user=demo")
    mine = [t for p, t in log_lines(srv) if p == pid]
    assert mine == ["Login user=demo host=[127.0.0.1] nmsgs=3/3",
                    "Update user=demo host=[127.0.0.1] nmsgs=1 ndele=2 nseen=1",
                    "Logout user=demo host=[127.0.0.1]"], srv.log_text()
    box = srv.read_mbox("demo")
    assert [m.msgid for m in box] == ["<msg1@test>"] and box[0].seen
    assert PASSWORD not in srv.log_text()


def test_syslog_hidden_count():
    msgs = [message(1, extra_headers=b"X-Status: D\n"), message(2), message(3)]
    with Server(accounts=["demo"], mailboxes={"demo": msgs}) as srv:
        s = srv.connect()
        assert s.login("demo") == "+OK Mailbox open, 2 messages"
        assert s.cmd("QUIT") == "+OK Sayonara"
        log = srv.wait_log("Logout user=demo")
        assert "Login user=demo host=[127.0.0.1] nmsgs=2/3" in log, log
        # nothing deleted by POP; the \Deleted message is still there
        assert "Update user=demo host=[127.0.0.1] nmsgs=3 ndele=0 nseen=0" in log, log
        assert len(srv.read_mbox("demo")) == 3


def test_syslog_disconnect(srv):
    s = srv.connect()
    s.login("demo")
    s.cmd("DELE 1")
    s.close()
    srv.wait_log("Unexpected client disconnect, while reading line "
                 "user=demo host=[127.0.0.1]")
    srv.wait_sessions_gone()
    intact(srv)
    assert "Update user=" not in srv.log_text()


def test_uids_saved_after_disconnect(srv):
    """A session that ends without QUIT still saves the UIDs it assigned:
    the UIDLs it showed are the ones imapd and the next session see."""
    s = srv.connect()
    s.login("demo")
    assert s.cmd("UIDL") == "+OK Unique-ID listing follows"
    seen = [ln.split()[1] for ln in s.lines()]
    s.close()
    srv.wait_log("Unexpected client disconnect")
    srv.wait_sessions_gone()
    validity, uids = srv.imap_uids("demo")
    assert seen == ["%08x%08x" % (validity, u) for u in uids]


# ------------------------------------------------------------ autologout

def test_autologout_authorization():
    """3 minutes idle before login (clocks 1000 times fast)."""
    with Server(accounts=["demo"], mailboxes={"demo": MSGS},
                prefix=faketime_prefix(1000)) as srv:
        s = srv.connect()
        assert s.greeting.startswith(b"+OK POP3 ")
        t0 = time.monotonic()
        assert s.reply() == "-ERR Autologout; idle for too long"
        assert s.read_to_eof() == b""
        assert time.monotonic() - t0 < 15
        srv.wait_log(re.compile(r"ipop3d\[\d+\]: Autologout user=\S+ host=\[127\.0\.0\.1\]"))


def test_autologout_transaction():
    """10 minutes idle after login (clocks 300 times fast: 2 s), with a
    pending DELE: nothing is deleted."""
    with Server(accounts=["demo"], mailboxes={"demo": MSGS},
                prefix=faketime_prefix(300)) as srv:
        s = srv.connect()
        s.send("USER demo\r\nPASS %s\r\nDELE 1\r\n" % PASSWORD)
        assert s.reply().startswith("+OK")
        assert s.reply() == "+OK Mailbox open, 3 messages"
        assert s.reply() == "+OK Message deleted"
        t0 = time.monotonic()
        assert s.reply() == "-ERR Autologout; idle for too long"
        waited = time.monotonic() - t0
        assert s.read_to_eof() == b""
        # 600 s at x300 is 2 s; well before it would be a bug
        assert waited > 1.0, waited
        srv.wait_log("Autologout user=demo host=[127.0.0.1]")
        srv.wait_sessions_gone()
        intact(srv)


def test_activity_defers_autologout():
    """Commands restart the idle clock: NOOP every 0.5 s (150 s of fake
    time at x300) keeps the session 3 s (900 s of fake time) alive."""
    with Server(accounts=["demo"], mailboxes={"demo": MSGS},
                prefix=faketime_prefix(300)) as srv:
        s = srv.connect()
        s.send("USER demo\r\nPASS %s\r\n" % PASSWORD)
        s.reply()
        assert s.reply() == "+OK Mailbox open, 3 messages"
        end = time.monotonic() + 3
        while time.monotonic() < end:
            assert s.cmd("NOOP") == "+OK No-op to you too!"
            time.sleep(0.5)
        assert s.cmd("QUIT") == "+OK Sayonara"


# ------------------------------------------------------------ signals

def login_with_deletes(srv, settle=0.3):
    """A session with DELE 1 and RETR 2 pending; after `settle` seconds
    it is surely back waiting for the next command."""
    s = srv.connect()
    pid = srv.wait_session_pid()
    s.login("demo")
    assert s.cmd("DELE 1") == "+OK Message deleted"
    assert s.cmd("RETR 2").startswith("+OK")
    s.read_body()
    time.sleep(settle)
    return s, pid


def test_sighup(srv):
    s, pid = login_with_deletes(srv)
    os.kill(pid, signal.SIGHUP)
    assert s.read_to_eof() == b""          # no reply
    srv.wait_log("Hangup user=demo host=[127.0.0.1]")
    srv.wait_sessions_gone()
    intact(srv)


def test_sigterm(srv):
    s, pid = login_with_deletes(srv)
    os.kill(pid, signal.SIGTERM)
    assert s.read_to_eof() == b"-ERR Killed\r\n"
    srv.wait_log(re.compile(r"ipop3d\[%d\]: Killed user=demo host=\[127\.0\.0\.1\]" % pid))
    srv.wait_sessions_gone()
    intact(srv)


@pytest.mark.parametrize("sig,reply", [(signal.SIGTERM, b"-ERR Killed\r\n"),
                                       (signal.SIGHUP, b"")])
def test_signal_right_after_reply(srv, sig, reply):
    """The signal comes the moment a reply is read: the server may still be
    between sending it and its wait for the next command, and must not
    sleep on the signal until the 10-minute autologout."""
    s, pid = login_with_deletes(srv, settle=0)
    assert s.cmd("NOOP") == "+OK No-op to you too!"
    os.kill(pid, sig)
    assert s.read_to_eof(timeout=5) == reply
    srv.wait_sessions_gone()
    intact(srv)


def test_sigterm_authorization(srv):
    s = srv.connect()
    pid = srv.wait_session_pid()
    s.cmd("USER demo")
    time.sleep(0.3)
    os.kill(pid, signal.SIGTERM)
    assert s.read_to_eof() == b"-ERR Killed\r\n"
    srv.wait_log("Killed user=demo host=[127.0.0.1]")


def test_sigusr2_active_session_ignored(srv):
    s, pid = login_with_deletes(srv)
    os.kill(pid, signal.SIGUSR2)
    time.sleep(0.3)
    assert s.cmd("NOOP") == "+OK No-op to you too!"
    os.kill(pid, signal.SIGUSR2)
    assert s.cmd("STAT") == "+OK 2 %d" % (size(MSGS[1]) + size(MSGS[2]))
    assert "Killed" not in srv.log_text()
    # the session goes on to a normal UPDATE
    assert s.cmd("QUIT") == "+OK Sayonara"
    srv.wait_log("Logout user=demo")
    box = srv.read_mbox("demo")
    assert [m.msgid for m in box] == IDS[1:]
    assert box[0].seen


def test_sigusr2_idle_session_kiss_of_death():
    """Idle for 300 s (clocks 200 times fast: 1.5 s; autologout would come
    at 3 s), the kiss of death ends the session, deleting nothing."""
    with Server(accounts=["demo"], mailboxes={"demo": MSGS},
                prefix=faketime_prefix(200)) as srv:
        s = srv.connect()
        pid = srv.wait_session_pid()
        s.send("USER demo\r\nPASS %s\r\nDELE 1\r\n" % PASSWORD)
        s.reply()
        assert s.reply() == "+OK Mailbox open, 3 messages"
        assert s.reply() == "+OK Message deleted"
        time.sleep(2.2)
        os.kill(pid, signal.SIGUSR2)
        assert s.read_to_eof() == b"-ERR Received Kiss of Death\r\n"
        srv.wait_log("Killed (lost mailbox lock) user=demo host=[127.0.0.1]")
        srv.wait_sessions_gone()
        intact(srv)


def test_sigusr2_before_idle_limit_ignored():
    """At x200, 0.5 s idle is 100 s: less than 300 s, so ignored."""
    with Server(accounts=["demo"], mailboxes={"demo": MSGS},
                prefix=faketime_prefix(200)) as srv:
        s = srv.connect()
        pid = srv.wait_session_pid()
        s.login("demo")
        time.sleep(0.5)
        os.kill(pid, signal.SIGUSR2)
        time.sleep(0.2)
        assert s.cmd("NOOP") == "+OK No-op to you too!"
        assert s.cmd("QUIT") == "+OK Sayonara"
        assert "Kiss" not in srv.log_text()


def test_inbox_cannot_be_opened():
    """The spool "file" is a directory: the login fails with UW's text and
    the connection ends."""
    with Server(accounts=["demo"]) as srv:
        os.mkdir(srv.spool_path("demo"))
        s = srv.connect()
        s.cmd("USER demo")
        assert s.cmd("PASS " + PASSWORD) == "-ERR [SYS/TEMP] Unable to open user's INBOX"
        assert s.read_to_eof() == b""
        srv.wait_log("Error opening or locking INBOX user=demo host=[127.0.0.1]")
