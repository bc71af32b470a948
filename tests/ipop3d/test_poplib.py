"""ipop3d over TCP with Python's poplib (and raw lines where poplib hides
the reply text): every command of RFC 1939, CAPA, AUTH PLAIN and APOP, with
their error replies as pop3-spec.md words them; DELE/RSET/QUIT semantics
checked in the spool file afterwards; UIDL checked against imapd.

Each test gets its own server (popserver.Server: tcpserver on 127.0.0.1, a
free port, scratch spool).
"""
import os
import re
import signal
import subprocess
import threading
import time

import pytest

from popserver import (IPOP3D, PASSWORD, Server, apop_digest, message,
                       plain_response)

MSGS = [message(1), message(2, body=b"Line one of two.\nLine two.\nLine three.\n"),
        message(3, body=b"short\n")]


def crlf(m):
    return m.replace(b"\n", b"\r\n")


def size(m):
    """The message's size as POP3 counts it: CRLF line ends."""
    return len(crlf(m))


def version():
    p = subprocess.run([IPOP3D, "--version"], capture_output=True, text=True,
                       timeout=20)
    assert p.returncode == 0, p
    words = p.stdout.split()
    assert words, p.stdout
    return words[-1]


def capa_list(version, expire=None, logged_in=False):
    """RFC 2449 lets the list depend on the state: after login USER and
    SASL (login methods) are no longer offered."""
    caps = ["TOP", "LOGIN-DELAY 180", "UIDL"]
    if not logged_in:
        caps += ["USER", "SASL PLAIN LOGIN"]
    caps += ["RESP-CODES", "AUTH-RESP-CODE", "PIPELINING"]
    if expire is not None:
        caps.append("EXPIRE " + expire)
    caps.append("IMPLEMENTATION Bamboo-" + version)
    return caps


@pytest.fixture
def srv():
    with Server(accounts=["demo", "demo2"],
                mailboxes={"demo": MSGS, "demo2": []}) as s:
        yield s


@pytest.fixture
def sess(srv):
    """A raw session logged in as demo."""
    s = srv.connect()
    s.login("demo")
    yield s
    s.close()


def msgids(srv, user="demo"):
    return [m.msgid for m in srv.read_mbox(user)]


def quit_and_wait(srv, s, user="demo"):
    assert s.cmd("QUIT") == "+OK Sayonara"
    assert s.read_to_eof() == b""
    srv.wait_log("Logout user=%s " % user)
    srv.wait_sessions_gone()


# ------------------------------------------------------------ greeting, CAPA

def test_greeting(srv):
    s = srv.connect()
    g = s.greeting.decode()
    m = re.fullmatch(r"\+OK POP3 (\S+) Bamboo (\S+) server ready", g)
    assert m, g
    assert m.group(2) == version()
    assert "<" not in g          # no APOP timestamp without a secrets file
    s.close()


def test_capa_both_states(srv):
    want = capa_list(version())
    s = srv.connect()
    assert s.cmd("CAPA") == "+OK Capability list follows:"
    assert s.lines() == want
    s.login("demo")
    assert s.cmd("capa") == "+OK Capability list follows:"
    assert s.lines() == capa_list(version(), logged_in=True)
    s.close()


@pytest.mark.parametrize("expire", ["30", "NEVER"])
def test_capa_expire(expire):
    with Server(accounts=["demo"], mailboxes={"demo": MSGS},
                extra_args=["--expire", expire]) as srv:
        p = srv.poplib()
        caps = p.capa()
        assert caps.get("EXPIRE") == [expire], caps
        p.quit()
        s = srv.connect()
        s.cmd("CAPA")
        assert s.lines() == capa_list(version(), expire)
        s.close()


def test_poplib_capa_parses(srv):
    p = srv.poplib()
    caps = p.capa()
    assert caps["SASL"] == ["PLAIN", "LOGIN"]
    assert caps["LOGIN-DELAY"] == ["180"]
    assert "EXPIRE" not in caps
    p.quit()


# ------------------------------------------------------------ USER / PASS

def test_user_pass(srv):
    p = srv.poplib()
    assert p.user("demo") == b"+OK User name accepted, password please"
    assert p.pass_(PASSWORD) == b"+OK Mailbox open, 3 messages"
    assert p.stat() == (3, sum(size(m) for m in MSGS))
    assert p.quit() == b"+OK Sayonara"


def test_user_pass_empty_mailbox(srv):
    p = srv.poplib()
    p.user("demo2")
    assert p.pass_(PASSWORD) == b"+OK Mailbox open, 0 messages"
    assert p.stat() == (0, 0)
    resp, lines, _ = p.list()
    assert resp == b"+OK Mailbox scan listing follows" and lines == []
    resp, lines, _ = p.uidl()
    assert resp == b"+OK Unique-ID listing follows" and lines == []
    p.quit()


def test_user_pass_argument_errors(srv):
    s = srv.connect()
    assert s.cmd("PASS " + PASSWORD) == "-ERR USER first"
    assert s.cmd("USER") == "-ERR Missing username argument"
    assert s.cmd("USER demo") == "+OK User name accepted, password please"
    assert s.cmd("PASS") == "-ERR Missing password argument"
    # the password is the rest of the line, its space included
    assert s.cmd("PASS " + PASSWORD) == "+OK Mailbox open, 3 messages"
    s.close()


def test_failed_logins_delay_and_disconnect(srv):
    s = srv.connect()
    times = []
    for user, pw in (("demo", "wrong-pw-1"), ("nosuchuser", PASSWORD),
                     ("demo", PASSWORD.split()[0])):
        assert s.cmd("USER " + user).startswith("+OK")
        t0 = time.monotonic()
        assert s.cmd("PASS " + pw) == "-ERR [AUTH] Bad login"
        times.append(time.monotonic() - t0)
    # the third failure closes the connection
    assert s.read_to_eof() == b""
    assert all(2.7 <= t < 15 for t in times), times
    log = srv.wait_log("Too many login failures user=")
    assert "Login failed user=demo auth=demo host=[127.0.0.1]" in log, log
    assert "Login failed user=nosuchuser auth=nosuchuser host=[127.0.0.1]" in log, log
    assert "wrong-pw-1" not in log and PASSWORD not in log
    assert "Login user=" not in log


def test_login_after_failures(srv):
    """A wrong PASS and a wrong AUTH PLAIN are each slow; after two failures
    the connection is still usable."""
    s = srv.connect()
    s.cmd("USER demo")
    t0 = time.monotonic()
    assert s.cmd("PASS nope") == "-ERR [AUTH] Bad login"
    t1 = time.monotonic()
    assert s.cmd("AUTH PLAIN " + plain_response("demo", "bad")) == "-ERR [AUTH] Bad login"
    t2 = time.monotonic()
    assert 2.7 <= t1 - t0 < 15 and 2.7 <= t2 - t1 < 15, (t1 - t0, t2 - t1)
    s.send("AUTH PLAIN\r\n")
    assert s.readline() == b"+ "
    assert s.cmd(plain_response("demo", PASSWORD)) == "+OK Mailbox open, 3 messages"
    assert s.cmd("STAT").startswith("+OK 3 ")
    s.close()
    log = srv.wait_log("Auth user=demo")
    assert log.count("Login failed user=demo auth=demo host=[127.0.0.1]") == 2, log


# ------------------------------------------------------------ states, syntax

def test_unknown_commands_authorization(srv):
    s = srv.connect()
    for c in ("FOO", "XYZZY", "STAT", "LIST", "RETR 1", "DELE 1", "NOOP",
              "RSET", "LAST", "UIDL", "TOP 1 1"):
        assert s.cmd(c) == "-ERR Unknown AUTHORIZATION state command", c
    assert s.cmd("STLS") == "-ERR STLS not available"
    s.login("demo")
    s.close()


def test_unknown_commands_transaction(sess):
    for c in ("FOO", "XYZZY", "USER demo", "PASS x", "APOP demo 0123", "AUTH",
              "AUTH PLAIN", "STLS"):
        assert sess.cmd(c) == "-ERR Unknown TRANSACTION state command", c
    assert sess.cmd("NOOP") == "+OK No-op to you too!"


def test_null_command_and_case(sess):
    assert sess.cmd("") == "-ERR Null command"
    assert sess.cmd("    ") == "-ERR Null command"
    assert sess.cmd("nOoP") == "+OK No-op to you too!"
    assert sess.cmd("list   2") == "+OK 2 %d" % size(MSGS[1])


def test_too_many_arguments(sess):
    assert sess.cmd("NOOP a b c d e f g h i") == "-ERR Too many arguments"
    for c in ("LIST 1 2", "UIDL 1 2", "RETR 1 2", "DELE 1 2", "TOP 1 2 3"):
        assert sess.cmd(c) == "-ERR Too many arguments", c
    assert sess.cmd("STAT") == "+OK 3 %d" % sum(size(m) for m in MSGS)


# ------------------------------------------------------------ TRANSACTION

def test_stat_list_uidl_retr_top(srv):
    p = srv.poplib("demo")
    assert p.stat() == (3, sum(size(m) for m in MSGS))
    resp, lines, _ = p.list()
    assert resp == b"+OK Mailbox scan listing follows"
    assert lines == [b"%d %d" % (i + 1, size(m)) for i, m in enumerate(MSGS)]
    assert p.list(2) == b"+OK 2 %d" % size(MSGS[1])
    resp, lines, _ = p.uidl()
    assert resp == b"+OK Unique-ID listing follows"
    assert [ln.split()[0] for ln in lines] == [b"1", b"2", b"3"]
    uidls = [ln.split()[1] for ln in lines]
    assert all(re.fullmatch(rb"[0-9a-f]{16}", u) for u in uidls), uidls
    assert len(set(uidls)) == 3
    assert p.uidl(3) == b"+OK 3 " + uidls[2]
    for i, m in enumerate(MSGS):
        resp, lines, octets = p.retr(i + 1)
        assert resp == b"+OK %d octets" % size(m)
        assert lines == m.split(b"\n")[:-1]
    head, body = MSGS[1].split(b"\n\n", 1)
    hlines = head.split(b"\n")
    blines = body.split(b"\n")[:-1]
    resp, lines, _ = p.top(2, 0)
    assert resp == b"+OK Top of message follows"
    assert lines == hlines + [b""]
    resp, lines, _ = p.top(2, 2)
    assert lines == hlines + [b""] + blines[:2]
    resp, lines, _ = p.top(2, 100)
    assert lines == hlines + [b""] + blines
    assert p.noop() == b"+OK No-op to you too!"
    assert p.quit() == b"+OK Sayonara"


@pytest.mark.parametrize("cmd", ["LIST", "UIDL", "RETR", "DELE", "TOP"])
def test_message_number_errors(sess, cmd):
    tail = " 0" if cmd == "TOP" else ""
    if cmd in ("RETR", "DELE", "TOP"):
        assert sess.cmd(cmd) == "-ERR Missing message number argument"
    for arg in ("x", "-1", "+1", "1x", "12345678901", "1.0"):
        assert sess.cmd("%s %s%s" % (cmd, arg, tail)) == "-ERR Invalid message number", arg
    for arg in ("0", "4", "4294967296", "9999999999"):
        assert sess.cmd("%s %s%s" % (cmd, arg, tail)) == "-ERR No such message", arg
    assert sess.cmd("DELE 2") == "+OK Message deleted"
    assert sess.cmd("%s 2%s" % (cmd, tail)) == "-ERR Message 2 already deleted"
    # the others are still there; leading zeros are still digits
    assert sess.cmd("LIST 03") == "+OK 3 %d" % size(MSGS[2])


def test_top_line_count_errors(sess):
    assert sess.cmd("TOP 1") == "-ERR Bad line count argument"
    assert sess.cmd("TOP 1 x") == "-ERR Bad line count argument"
    assert sess.cmd("TOP 1 -1") == "-ERR Bad line count argument"
    assert sess.cmd("TOP 1 0") == "+OK Top of message follows"
    head = MSGS[0].split(b"\n\n", 1)[0]
    assert sess.read_body() == crlf(head) + b"\r\n\r\n"


def test_dele_stat_list_rset(srv):
    p = srv.poplib("demo")
    assert p.dele(2) == b"+OK Message deleted"
    assert p.stat() == (2, size(MSGS[0]) + size(MSGS[2]))
    _, lines, _ = p.list()
    assert lines == [b"1 %d" % size(MSGS[0]), b"3 %d" % size(MSGS[2])]
    _, lines, _ = p.uidl()
    assert [ln.split()[0] for ln in lines] == [b"1", b"3"]
    assert p.rset() == b"+OK Reset state"
    assert p.stat() == (3, sum(size(m) for m in MSGS))
    assert p.list(2) == b"+OK 2 %d" % size(MSGS[1])
    p.quit()
    srv.wait_log("Logout user=demo")
    assert msgids(srv) == ["<msg1@test>", "<msg2@test>", "<msg3@test>"]


def test_last(sess):
    assert sess.cmd("LAST") == "+OK 0"
    assert sess.cmd("RETR 2").startswith("+OK")
    sess.read_body()
    assert sess.cmd("LAST") == "+OK 2"
    assert sess.cmd("RETR 1").startswith("+OK")
    sess.read_body()
    assert sess.cmd("LAST") == "+OK 2"
    assert sess.cmd("RSET") == "+OK Reset state"
    assert sess.cmd("LAST") == "+OK 0"


# ------------------------------------------------------------ QUIT, UPDATE

def test_quit_authorization(srv):
    s = srv.connect()
    assert s.cmd("QUIT") == "+OK Sayonara"
    assert s.read_to_eof() == b""
    srv.wait_log("Logout user=??? host=[127.0.0.1]")
    s = srv.connect()
    s.cmd("USER someone")
    assert s.cmd("QUIT") == "+OK Sayonara"
    assert s.read_to_eof() == b""
    srv.wait_log("Logout user=someone host=[127.0.0.1]")
    assert msgids(srv) == ["<msg1@test>", "<msg2@test>", "<msg3@test>"]


def test_dele_quit_removes_exactly_those(srv, sess):
    assert sess.cmd("DELE 1") == "+OK Message deleted"
    assert sess.cmd("DELE 3") == "+OK Message deleted"
    quit_and_wait(srv, sess)
    assert msgids(srv) == ["<msg2@test>"]
    assert not srv.read_mbox("demo")[0].deleted
    # a new session sees the one message left, as message 1
    p = srv.poplib("demo")
    assert p.stat() == (1, size(MSGS[1]))
    assert p.retr(1)[1] == MSGS[1].split(b"\n")[:-1]
    p.quit()


def test_rset_undoes_dele(srv, sess):
    sess.cmd("DELE 1")
    sess.cmd("DELE 2")
    assert sess.cmd("RSET") == "+OK Reset state"
    assert sess.cmd("DELE 3") == "+OK Message deleted"
    quit_and_wait(srv, sess)
    assert msgids(srv) == ["<msg1@test>", "<msg2@test>"]


def test_dropped_connection_deletes_nothing(srv, sess):
    sess.cmd("DELE 1")
    sess.cmd("DELE 2")
    sess.close()
    srv.wait_log("Unexpected client disconnect, while reading line user=demo")
    srv.wait_sessions_gone()
    box = srv.read_mbox("demo")
    assert [m.msgid for m in box] == ["<msg1@test>", "<msg2@test>", "<msg3@test>"]
    assert not any(m.deleted for m in box), box


def test_already_deleted_hidden_and_kept():
    """A message \\Deleted in the mailbox (X-Status: D) is not offered by
    POP; POP's QUIT expunges only what POP deleted."""
    msgs = [message(1), message(2, extra_headers=b"X-Status: D\n"),
            message(3), message(4)]
    with Server(accounts=["demo"], mailboxes={"demo": msgs}) as srv:
        s = srv.connect()
        assert s.login("demo") == "+OK Mailbox open, 3 messages"
        srv.wait_log("Login user=demo host=[127.0.0.1] nmsgs=3/4")
        assert s.cmd("STAT") == "+OK 3 %d" % sum(size(m) for m in (msgs[0], msgs[2], msgs[3]))
        assert s.cmd("LIST 4") == "-ERR No such message"
        for k, want in ((1, 1), (2, 3), (3, 4)):
            assert s.cmd("RETR %d" % k).startswith("+OK")
            assert b"Message-ID: <msg%d@test>" % want in s.read_body()
        assert s.cmd("RSET") == "+OK Reset state"
        assert s.cmd("DELE 1") == "+OK Message deleted"
        quit_and_wait(srv, s)
        box = srv.read_mbox("demo")
        assert [m.msgid for m in box] == ["<msg2@test>", "<msg3@test>", "<msg4@test>"]
        assert box[0].deleted, box


def test_retr_sets_seen_top_does_not(srv, sess):
    assert sess.cmd("RETR 1").startswith("+OK")
    sess.read_body()
    assert sess.cmd("TOP 2 10").startswith("+OK")
    sess.read_body()
    quit_and_wait(srv, sess)
    box = srv.read_mbox("demo")
    assert [m.seen for m in box] == [True, False, False], box
    assert srv.log_text().count("nseen=1") == 1


def test_rset_forgets_retr(srv, sess):
    assert sess.cmd("RETR 1").startswith("+OK")
    sess.read_body()
    sess.cmd("RSET")
    quit_and_wait(srv, sess)
    assert not any(m.seen for m in srv.read_mbox("demo"))


def test_removed_by_another_session(srv, sess):
    """A program that takes no session lock removes message 2 while the POP
    session is open (a Bamboo session would have to kiss it first)."""
    srv.foreign_expunge("demo", 2)
    assert sess.cmd("NOOP") == "+OK No-op to you too!"
    assert sess.cmd("RETR 2") == "-ERR Message 2 was removed by another session"
    assert sess.cmd("RETR 3").startswith("+OK")
    assert b"<msg3@test>" in sess.read_body()


def test_quit_after_another_session_expunged(srv, sess):
    """DELE 3, another program expunges message 2 meanwhile (message 1,
    which holds the UID data, stays), QUIT: exactly message 3 goes (by UID,
    not by its old number), message 1 stays."""
    assert sess.cmd("DELE 3") == "+OK Message deleted"
    srv.foreign_expunge("demo", 2)
    assert sess.cmd("QUIT") == "+OK Sayonara"
    srv.wait_log(re.compile(r"Update user=demo host=\S+ nmsgs=1 ndele=1 nseen=0"))
    assert [m.msgid for m in srv.read_mbox("demo")] == ["<msg1@test>"]


def test_uidls_survive_a_killed_session(srv):
    """The UIDs of a mailbox that never had any are on disk before the
    first UIDL is answered: kill -9 that session, and the next one gives
    every message the same UIDL (no re-download), as does imapd."""
    s = srv.connect()
    s.login("demo")
    assert s.cmd("UIDL") == "+OK Unique-ID listing follows"
    first = s.lines()
    assert len(first) == len(MSGS)
    os.kill(srv.wait_session_pid(), signal.SIGKILL)
    s.close()
    srv.wait_sessions_gone()
    time.sleep(1.1)     # a new UIDVALIDITY would now differ (it is a time)
    s = srv.connect()
    s.login("demo")
    assert s.cmd("UIDL") == "+OK Unique-ID listing follows"
    assert s.lines() == first
    s.cmd("QUIT")
    validity, uids = srv.imap_uids("demo")
    assert ["%d %08x%08x" % (i + 1, validity, u) for i, u in enumerate(uids)] == first


def test_mailbox_rewritten_without_uids(srv, sess):
    """Another program rewrites the spool without its UID headers during
    the session (a new UIDVALIDITY): the old UIDs may name other messages,
    so nothing is read or deleted by them, and QUIT says so."""
    assert sess.cmd("DELE 1") == "+OK Message deleted"
    time.sleep(1.1)		# a UIDVALIDITY is a time: make the new one differ
    srv.write_mailbox("demo", [MSGS[2], MSGS[0], MSGS[1]])
    assert sess.cmd("RETR 2") == "-ERR Message 2 was removed by another session"
    assert sess.cmd("QUIT") == ("-ERR [SYS/TEMP] Mailbox changed by another "
                                "program, nothing deleted")
    srv.wait_log("Update refused user=demo")
    assert sorted(m.msgid for m in srv.read_mbox("demo")) == \
        ["<msg1@test>", "<msg2@test>", "<msg3@test>"]


# ------------------------------------------------------------ AUTH

def test_auth_listing(srv):
    s = srv.connect()
    assert s.cmd("AUTH") == "+OK Supported authentication mechanisms:"
    assert s.lines() == ["PLAIN", "LOGIN"]
    s.close()


def test_auth_plain_initial_response(srv):
    s = srv.connect()
    r = s.cmd("AUTH PLAIN " + plain_response("demo", PASSWORD))
    assert r == "+OK Mailbox open, 3 messages"
    srv.wait_log("Auth user=demo host=[127.0.0.1] nmsgs=3/3")
    assert s.cmd("STAT").startswith("+OK 3 ")
    s.close()


def test_auth_plain_continuation(srv):
    s = srv.connect()
    s.send("auth plain\r\n")
    assert s.readline() == b"+ "
    assert s.cmd(plain_response("demo", PASSWORD)) == "+OK Mailbox open, 3 messages"
    s.close()


def test_auth_plain_errors(srv):
    s = srv.connect()
    s.send("AUTH PLAIN\r\n")
    assert s.readline() == b"+ "
    assert s.cmd("*") == "-ERR Authentication cancelled"
    s.send("AUTH PLAIN\r\n")
    assert s.readline() == b"+ "
    assert s.cmd("!!not base64!!") == "-ERR Invalid base64 data"
    assert s.cmd("AUTH PLAIN !!!!") == "-ERR Invalid base64 data"
    # "=" is an empty response: not a PLAIN message
    assert s.cmd("AUTH PLAIN =") == "-ERR [AUTH] Bad authentication"
    assert s.cmd("AUTH PLAIN " + "bm8gbnVscyBoZXJl") == "-ERR [AUTH] Bad authentication"
    assert s.cmd("AUTH FOOBAR") == "-ERR Unsupported authentication mechanism"
    s.send("AUTH PLAIN\r\n")
    assert s.readline() == b"+ "
    assert s.cmd("A" * 16388) == "-ERR Authentication response too long"
    # still in AUTHORIZATION and usable
    s.login("demo")
    s.close()


# ------------------------------------------------------------ APOP, secrets

SECRETS = {"demo": "tanstaaf", "other": "x"}


@pytest.fixture
def ssrv():
    with Server(accounts=["demo", "demo2"], mailboxes={"demo": MSGS, "demo2": []},
                secrets=SECRETS) as s:
        yield s


def test_apop_greeting_and_login(ssrv):
    s = ssrv.connect()
    g = s.greeting.decode()
    m = re.fullmatch(r"\+OK POP3 Bamboo (\S+) server ready (<[0-9a-fA-F]+\.[0-9a-fA-F]+@[^<>\s]+>)", g)
    assert m, g
    assert m.group(1) == version()
    r = s.cmd("APOP demo " + apop_digest(g, SECRETS["demo"]))
    assert r == "+OK Mailbox open, 3 messages"
    ssrv.wait_log("APOP user=demo host=[127.0.0.1] nmsgs=3/3")
    s.close()
    # every connection has its own timestamp
    s2 = ssrv.connect()
    assert s2.greeting != s.greeting
    s2.close()


def test_apop_poplib(ssrv):
    p = ssrv.poplib()
    assert p.apop("demo", SECRETS["demo"]) == b"+OK Mailbox open, 3 messages"
    assert p.stat()[0] == 3
    p.quit()


def test_apop_errors(ssrv):
    s = ssrv.connect()
    assert s.cmd("APOP") == "-ERR Missing APOP argument"
    assert s.cmd("APOP demo") == "-ERR Missing APOP argument"
    t0 = time.monotonic()
    # the digest of the account password is not the digest of the secret
    assert s.cmd("APOP demo " + apop_digest(s.greeting, PASSWORD)) == "-ERR [AUTH] Bad login"
    assert 2.7 <= time.monotonic() - t0 < 15
    assert s.cmd("APOP demo " + apop_digest(s.greeting, SECRETS["demo"])).startswith(
        "+OK Mailbox open")
    s.close()
    log = ssrv.wait_log("Login failed user=demo")
    assert SECRETS["demo"] not in log


def test_apop_without_secrets(srv):
    s = srv.connect()
    assert s.cmd("APOP demo 0123456789abcdef0123456789abcdef") == "-ERR Not supported"
    s.login("demo")
    s.close()


def test_secrets_override_pass(ssrv):
    """With a secrets file USER/PASS and AUTH PLAIN check the secret, not
    the account file's hash; a user without a secret cannot log in."""
    results = {}

    def attempt(key, user, pw):
        s = ssrv.connect()
        try:
            s.cmd("USER " + user)
            results[key] = s.cmd("PASS " + pw)
        finally:
            s.close()

    # three sessions at once: the failures' delays overlap
    threads = [threading.Thread(target=attempt, args=a) for a in (
        ("secret", "demo", SECRETS["demo"]),
        ("account-pw", "demo", PASSWORD),
        ("no-secret", "demo2", PASSWORD))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert results == {"secret": "+OK Mailbox open, 3 messages",
                       "account-pw": "-ERR [AUTH] Bad login",
                       "no-secret": "-ERR [AUTH] Bad login"}
    s = ssrv.connect()
    assert s.cmd("AUTH PLAIN " + plain_response("demo", SECRETS["demo"])) == \
        "+OK Mailbox open, 3 messages"
    s.close()


# ------------------------------------------------------------ UIDL

def uidl_map(srv, user="demo"):
    p = srv.poplib(user)
    _, lines, _ = p.uidl()
    p.quit()
    srv.wait_sessions_gone()
    return [ln.split()[1].decode() for ln in lines]


def test_uidl_matches_imapd_and_is_stable(srv):
    first = uidl_map(srv)
    assert all(re.fullmatch(r"[0-9a-f]{16}", u) for u in first), first
    assert uidl_map(srv) == first
    validity, uids = srv.imap_uids("demo")
    assert first == ["%08x%08x" % (validity, uid) for uid in uids]
    # after POP deletes message 1, the others keep their UIDL
    p = srv.poplib("demo")
    p.dele(1)
    p.quit()
    srv.wait_sessions_gone()
    assert uidl_map(srv) == first[1:]
    # and after imapd expunges one and appends one (a LITERAL+ literal)
    new = crlf(message(9))
    out = srv.imap("demo", ["a SELECT INBOX", "b STORE 1 +FLAGS (\\Deleted)",
                            "c EXPUNGE",
                            "d APPEND INBOX {%d+}\r\n" % len(new) + new.decode()])
    assert "c OK" in out and "d OK" in out, out
    later = uidl_map(srv)
    assert later[:-1] == first[2:]
    assert later[-1] not in first
    validity2, uids2 = srv.imap_uids("demo")
    assert validity2 == validity
    assert later == ["%08x%08x" % (validity2, uid) for uid in uids2]


def test_uidl_with_hidden_message():
    msgs = [message(1), message(2, extra_headers=b"X-Status: D\n"), message(3)]
    with Server(accounts=["demo"], mailboxes={"demo": msgs}) as srv:
        pop = uidl_map(srv)
        validity, uids = srv.imap_uids("demo")
        assert len(uids) == 3 and len(pop) == 2
        assert pop == ["%08x%08x" % (validity, uids[i]) for i in (0, 2)]


# ------------------------------------------------------------ pipelining

def test_pipelined_commands(srv):
    s = srv.connect()
    s.send("USER demo\r\nPASS %s\r\nSTAT\r\nLIST\r\nUIDL 1\r\nRETR 2\r\n"
           "LIST 9\r\nDELE 3\r\nNOOP\r\nTOP 1 0\r\nSTAT\r\nRSET\r\nQUIT\r\n" % PASSWORD)
    assert s.reply() == "+OK User name accepted, password please"
    assert s.reply() == "+OK Mailbox open, 3 messages"
    total = sum(size(m) for m in MSGS)
    assert s.reply() == "+OK 3 %d" % total
    assert s.reply() == "+OK Mailbox scan listing follows"
    assert s.lines() == ["%d %d" % (i + 1, size(m)) for i, m in enumerate(MSGS)]
    assert re.fullmatch(r"\+OK 1 [0-9a-f]{16}", s.reply())
    assert s.reply() == "+OK %d octets" % size(MSGS[1])
    assert s.read_body() == crlf(MSGS[1])
    assert s.reply() == "-ERR No such message"
    assert s.reply() == "+OK Message deleted"
    assert s.reply() == "+OK No-op to you too!"
    assert s.reply() == "+OK Top of message follows"
    assert s.read_body() == crlf(MSGS[0].split(b"\n\n")[0]) + b"\r\n\r\n"
    assert s.reply() == "+OK 2 %d" % (total - size(MSGS[2]))
    assert s.reply() == "+OK Reset state"
    assert s.reply() == "+OK Sayonara"
    assert s.read_to_eof() == b""
    srv.wait_log("Logout user=demo")
    assert msgids(srv) == ["<msg1@test>", "<msg2@test>", "<msg3@test>"]


def test_pipelined_errors_and_deletes(srv):
    s = srv.connect()
    s.login("demo")
    s.send("DELE 1\r\nDELE 1\r\nFOO\r\nDELE 2\r\nQUIT\r\n")
    assert [s.reply() for _ in range(5)] == [
        "+OK Message deleted", "-ERR Message 1 already deleted",
        "-ERR Unknown TRANSACTION state command", "+OK Message deleted",
        "+OK Sayonara"]
    assert s.read_to_eof() == b""
    srv.wait_log("Logout user=demo")
    assert msgids(srv) == ["<msg3@test>"]
