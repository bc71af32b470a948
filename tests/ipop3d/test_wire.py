"""ipop3d's wire format, checked byte for byte on raw sockets: dot-stuffing,
CRLF whatever the storage uses, a message without a final newline, NUL and
8-bit bytes, very long lines; and the command-line limits (overlong lines,
NUL and control bytes, 20 consecutive errors)."""
import re

import pytest

from popserver import Server, message, unstuff

BIG = b"x" * 100000
MSGS = [
    # 1: lines starting with "." and "..", a line that is just ".", and one
    # that is "." followed by spaces
    message(1, body=b".hidden\n..two dots\n.\n. \nplain\n.\n"),
    # 2: NUL and 8-bit bytes
    message(2, body=b"nul\x00here\n8bit caf\xe9 \xff\xfe\x80\n\x00\n"),
    # 3: a 100 KB line, and a 100 KB line starting with "."
    message(3, body=BIG + b"\n." + BIG + b"\nend\n"),
    # 4: CRLF line ends in the mailbox file
    message(4, body=b"crlf line\r\n.dot crlf\r\n").replace(b"\n", b"\r\n").replace(
        b"\r\r\n", b"\r\n"),
    # 5: a lone CR inside a line is data, not a line end
    message(5, body=b"lone\rCR inside\n"),
    # 6: the last message has no final newline (the file ends mid-line)
    message(6, body=b"first\n.last line without newline"),
]


def to_crlf(m):
    """The message with every line ending CRLF (bare LF gets its CR)."""
    return re.sub(rb"(?<!\r)\n", b"\r\n", m)


def wire(m):
    """What RETR must send after its +OK line for message m."""
    text = to_crlf(m)
    if not text.endswith(b"\r\n"):
        text += b"\r\n"
    lines = text.split(b"\r\n")[:-1]
    return b"".join((b"." + ln if ln.startswith(b".") else ln) + b"\r\n"
                    for ln in lines) + b".\r\n"


@pytest.fixture
def srv():
    # a fresh mailbox each time: the mbox driver's rewrite at the end of a
    # session gives the last message the final newline it lacks
    with Server(accounts=["demo"], mailboxes={"demo": MSGS}) as s:
        yield s


@pytest.fixture
def sess(srv):
    s = srv.connect()
    s.login("demo")
    yield s
    s.close()


@pytest.mark.parametrize("k", range(1, len(MSGS) + 1))
def test_retr_bytes(sess, k):
    m = MSGS[k - 1]
    r = sess.cmd("RETR %d" % k)
    got = sess.read_body_raw()
    assert got == wire(m)
    n = int(re.fullmatch(r"\+OK (\d+) octets", r).group(1))
    # RETR's count is exact: the CRLF text before dot-stuffing, with the
    # CRLF a message without a final one gets on the wire.  LIST agrees:
    # the login's checkpoint (writing the new UIDs) gave such a message
    # its line end on disk (docs/ipop3d.md)
    extra = 0 if m.endswith(b"\n") else 2
    assert n == len(to_crlf(m)) + extra
    assert sess.cmd("LIST %d" % k) == "+OK %d %d" % (k, n)
    assert len(unstuff(got)) == n


def test_no_bare_lf_on_the_wire(sess):
    for k in range(1, len(MSGS) + 1):
        sess.cmd("RETR %d" % k)
        raw = sess.read_body_raw()
        assert b"\n" not in raw.replace(b"\r\n", b""), k


def test_stat_is_sum_of_list(sess):
    assert sess.cmd("LIST") == "+OK Mailbox scan listing follows"
    sizes = [int(ln.split()[1]) for ln in sess.lines()]
    assert sizes == [len(to_crlf(m)) + (0 if m.endswith(b"\n") else 2)
                     for m in MSGS]
    assert sess.cmd("STAT") == "+OK %d %d" % (len(MSGS), sum(sizes))


@pytest.mark.parametrize("k,n", [(1, 0), (1, 3), (1, 4), (1, 100), (3, 1), (3, 2),
                                 (6, 1), (6, 2)])
def test_top_bytes(sess, k, n):
    m = MSGS[k - 1]
    head, body = m.split(b"\n\n", 1)
    blines = body.split(b"\n")
    if body.endswith(b"\n"):
        blines = blines[:-1]
    part = head + b"\n\n" + b"".join(ln + b"\n" for ln in blines[:n])
    if n >= len(blines):
        part = m
    assert sess.cmd("TOP %d %d" % (k, n)) == "+OK Top of message follows"
    assert sess.read_body_raw() == wire(part)


# ------------------------------------------------------------ command lines

def test_line_length_limit(sess):
    # exactly 1024 bytes before the CRLF: accepted (and parsed)
    line = "LIST " + "0" * 1018 + "1"
    assert len(line) == 1024
    assert sess.cmd(line) == "-ERR Invalid message number"
    # 1025 bytes: too long
    assert sess.cmd(line + "2") == "-ERR Command line too long"
    assert sess.cmd("NOOP") == "+OK No-op to you too!"


def test_overlong_line_rest_discarded(srv):
    s = srv.connect()
    # the rest of the long line must not be taken for commands
    junk = ("QUIT " * 30000) + "\r\n"
    s.send("NOOP " + junk + "USER demo\r\n")
    assert s.reply() == "-ERR Command line too long"
    assert s.reply() == "+OK User name accepted, password please"
    s.send("PASS s3cret pass\r\nRETR 3 " + "x" * 200000 + "\r\nSTAT\r\n")
    assert s.reply().startswith("+OK Mailbox open")
    assert s.reply() == "-ERR Command line too long"
    assert s.reply().startswith("+OK %d " % len(MSGS))
    s.close()


@pytest.mark.parametrize("line", [b"NO\x00OP", b"LIST 1\x00", b"\x00",
                                  b"NOOP\x01", b"LIST\x7f1", b"NO\rOP"])
def test_invalid_characters(sess, line):
    sess.send(line + b"\r\n")
    assert sess.reply() == "-ERR Invalid character in command"
    assert sess.cmd("NOOP") == "+OK No-op to you too!"


def test_tab_separates_arguments(sess):
    """A TAB is taken as a space between arguments (lenient; RFC 1939
    has single spaces), never as part of a keyword or number."""
    listed = sess.cmd("LIST 1")
    assert listed.startswith("+OK 1 ")
    assert sess.cmd("LIST\t1") == listed
    assert sess.cmd("LIST \t 1") == listed
    assert sess.cmd("LIST 1\t2") == "-ERR Too many arguments"


def test_invalid_characters_authorization(srv):
    s = srv.connect()
    s.send(b"USER de\x00mo\r\n")
    assert s.reply() == "-ERR Invalid character in command"
    s.send(b"USER demo\r\nPASS s3cret\x00pass\r\n")
    assert s.reply() == "+OK User name accepted, password please"
    assert s.reply() == "-ERR Invalid character in command"
    s.login("demo")
    s.close()


def test_twenty_errors_disconnect(srv):
    s = srv.connect()
    s.login("demo")
    assert s.cmd("DELE 1") == "+OK Message deleted"
    # 19 errors, then a good command: the count starts again
    for i in range(19):
        assert s.cmd("BOGU") == "-ERR Unknown TRANSACTION state command", i
    assert s.cmd("NOOP") == "+OK No-op to you too!"
    for i in range(19):
        assert s.cmd("BOGU %d" % i).startswith("-ERR "), i
    # the 20th error in a row still gets its reply, then the connection ends
    s.send("\r\n")
    assert s.reply() == "-ERR Null command"
    assert s.read_to_eof() == b""
    srv.wait_log("Too many protocol errors user=demo host=[127.0.0.1]")
    srv.wait_sessions_gone()
    # nothing deleted
    assert [m.msgid for m in srv.read_mbox("demo")] == [
        "<msg%d@test>" % i for i in range(1, len(MSGS) + 1)]


def test_twenty_errors_authorization(srv):
    s = srv.connect()
    # exactly 20 (unread input at close could turn the FIN into a RST)
    s.send("".join("XYZZ %d\r\n" % i for i in range(20)))
    replies = [s.reply() for _ in range(20)]
    assert replies == ["-ERR Unknown AUTHORIZATION state command"] * 20
    assert s.read_to_eof() == b""
