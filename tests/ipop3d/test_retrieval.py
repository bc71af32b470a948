"""ipop3d with a real retrieval client: Debian's getmail6.

getmail (SimplePOP3Retriever, Maildir destination) fetches every message
from ipop3d on 127.0.0.1 (tests/ipop3d/popserver.py starts it under
tcpserver) and each delivered file is compared byte for byte with the
message as stored in the spool file, after undoing exactly what getmail
does to a message (/usr/share/doc/getmail6/configuration.html, Maildir
destination and [options]):

  - it writes a "Return-Path: <SENDER>" header first (SENDER: the message's
    Return-Path or Sender header, else "unknown"; our messages have
    neither).  Its other headers, Delivered-To and Received, are turned off
    with delivered_to = false and received = false.
  - it writes lines with the local line end (LF): the CRLF of the POP3 wire
    becomes LF (so a message stored with CRLF comes out with LF, and the
    CRLF ipop3d adds after a message without a final newline becomes LF).
  - it re-writes the header through Python's email package, which folds
    header lines longer than 78 octets; so no header line here is longer
    (body lines of any length pass).

The messages are the awkward ones: lines starting with '.', lines that are
just '.', LF storage, a CRLF-stored message, 8-bit bytes in header and body,
two 50 KB lines (one starting with '.'), an empty body, a message without
a final newline.

Also: delete mode (delete = true) leaves the spool empty, keep mode leaves
every message, UIDL and size in place (and so do look-only sessions, the
first of which writes the UIDs), and getmail's UIDL memory
(read_all = false, its "oldmail" file) fetches nothing new on a second run
and exactly the one message that is appended to the spool file after it.

As root getmail runs as nobody (65534), like the accounts; its files live
in a scratch directory.  (fetchmail 6.4.37 was tried first: it corrupts
body lines longer than about 8 KB, inserting a NUL, a stray byte and a line
break every 8 KB, against Dovecot as well, so it cannot check long lines.)
"""
import os
import re
import shutil
import subprocess
import tempfile

import pytest

from popserver import PASSWORD, ROOT, NOBODY, TIMEOUT, Server, message

GETMAIL = shutil.which("getmail") or "/usr/bin/getmail"
REAPED = os.path.join(os.path.dirname(os.path.abspath(__file__)), "getmail-reaped.py")


def long_line(n, first=b"L"):
    """A line of n bytes (no line end) with dots and spaces in it."""
    out = bytearray(first)
    i = 0
    while len(out) < n:
        out += b"%06d:abc. " % i
        i += 1
    return bytes(out[:n])


HIGH = bytes(range(0x80, 0x100))

# Every header line at most 78 octets (see the module doc).
TRICKY = [
    message(1, body=b"Plain text.\n>From a quoted line\nEnd.\n"),
    message(2, subject=b"dots",
            body=b".leading dot\n..two dots\n.\n. space after a dot\n"
                 b"middle . dot\n...\n.\n"),
    message(3, subject=b"caf\xe9 \xc3\xa9t\xc3\xa9 8-bit header",
            body=b"Latin-1 caf\xe9, UTF-8 \xc3\xa9\n" + HIGH[:64] + b"\n"
                 + HIGH[64:] + b"\ntab\there, controls \x01\x1f\x7f\n"),
    message(4, subject=b"long lines",
            body=b"short\n" + long_line(51200) + b"\n"
                 + long_line(51200, b".") + b"\nend\n"),
    message(5, subject=b"empty body", body=b""),
    message(6, subject=b"folded header",
            extra_headers=b"X-Folded: one\n\ttwo\n  three\n"),
    b"From: crlf@example.org\r\nTo: demo@example.org\r\n"
    b"Subject: stored with CRLF\r\nMessage-ID: <msg7@test>\r\n\r\n"
    b"line one\r\n.dot line\r\n.\r\nlast\r\n",
]
# Only as the last message of a file (how the mbox format stores it).
NO_NEWLINE = message(8, subject=b"no final newline",
                     body=b"first line\nthe last line has no newline")
NEW = message(9, subject=b"appended later", body=b"new\n.\n..new\n")


def delivered_form(stored):
    """What getmail must write for a stored message, before its
    Return-Path: LF line ends, and a final one if the message had none."""
    out = stored.replace(b"\r\n", b"\n")
    if not out.endswith(b"\n"):
        out += b"\n"
    return out


MSGID = re.compile(rb"^Message-ID: <(msg\d+)@test>\r?$", re.M | re.I)


def msgid_of(raw):
    m = MSGID.search(raw)
    assert m, "no Message-ID in %r" % raw[:300]
    return m.group(1).decode()


def stored_by_id(msgs):
    return {msgid_of(m): m for m in msgs}


class Getmail:
    """getmail with its own scratch getmaildir and Maildir, run as the
    accounts' uid.  run() returns the messages delivered by that run, as
    {msgid: bytes}, and asserts that each starts with getmail's
    Return-Path (which it cuts)."""

    def __init__(self, port, user):
        self.port = port
        self.user = user
        self.dir = tempfile.mkdtemp(prefix="getmail-test.", dir="/tmp")
        self.maildir = os.path.join(self.dir, "Maildir")
        self.gmdir = os.path.join(self.dir, "getmail")
        for d in ("Maildir/cur", "Maildir/new", "Maildir/tmp", "getmail"):
            os.makedirs(os.path.join(self.dir, d))
        if ROOT:
            for root, dirs, files in os.walk(self.dir):
                os.chown(root, NOBODY, NOBODY)
        self.seen = set()
        self.output = ""

    def rcfile(self, delete, read_all, apop):
        path = os.path.join(self.dir, "getmailrc")
        with open(path, "w") as f:
            f.write("[retriever]\n"
                    "type = SimplePOP3Retriever\n"
                    "server = 127.0.0.1\n"
                    "port = %d\n"
                    "username = %s\n"
                    "password = %s\n"
                    "timeout = %d\n"
                    "use_apop = %s\n"
                    "\n"
                    "[destination]\n"
                    "type = Maildir\n"
                    "path = %s/\n"
                    "\n"
                    "[options]\n"
                    "verbose = 2\n"
                    "read_all = %s\n"
                    "delete = %s\n"
                    "delivered_to = false\n"
                    "received = false\n"
                    % (self.port, self.user, PASSWORD, TIMEOUT, str(apop).lower(),
                       self.maildir,
                       str(read_all).lower(), str(delete).lower()))
        os.chmod(path, 0o600)
        if ROOT:
            os.chown(path, NOBODY, NOBODY)
        return path

    def run(self, delete=False, read_all=True, apop=False):
        rc = self.rcfile(delete, read_all, apop)
        # getmail through getmail-reaped.py: the same program with its
        # SIGCHLD race (a lost delivery child, then a timeout) worked around
        argv = ["env", "-i", "HOME=" + self.dir, "PATH=/usr/bin:/bin",
                "LANG=C.UTF-8", "/usr/bin/python3", REAPED,
                "--getmaildir", self.gmdir, "--rcfile", rc]
        if ROOT:
            argv = ["setpriv", "--reuid=%d" % NOBODY, "--regid=%d" % NOBODY,
                    "--clear-groups"] + argv
        p = subprocess.run(argv, capture_output=True, timeout=60)
        self.output = (p.stdout + p.stderr).decode("utf-8", "replace")
        assert p.returncode == 0, "getmail exited %d:\n%s" % (p.returncode, self.output)
        new = {}
        for sub in ("new", "cur"):
            d = os.path.join(self.maildir, sub)
            for name in sorted(os.listdir(d)):
                path = os.path.join(d, name)
                if path in self.seen:
                    continue
                self.seen.add(path)
                with open(path, "rb") as f:
                    raw = f.read()
                assert raw.startswith(b"Return-Path: <unknown>\n"), raw[:200]
                raw = raw[len(b"Return-Path: <unknown>\n"):]
                mid = msgid_of(raw)
                assert mid not in new, "%s delivered twice in one run" % mid
                new[mid] = raw
        return new

    def cleanup(self):
        shutil.rmtree(self.dir, ignore_errors=True)


def first_difference(got, want):
    n = min(len(got), len(want))
    i = next((k for k in range(n) if got[k] != want[k]), n)
    return "lengths got %d want %d; first difference at %d: got %r want %r" % (
        len(got), len(want), i, got[max(0, i - 40):i + 40], want[max(0, i - 40):i + 40])


def assert_same_messages(got, stored):
    """got: {msgid: delivered bytes}; stored: the stored messages."""
    want = stored_by_id(stored)
    assert sorted(got) == sorted(want), (sorted(got), sorted(want))
    for mid, raw in sorted(want.items()):
        expected = delivered_form(raw)
        assert got[mid] == expected, "%s: %s" % (mid, first_difference(got[mid], expected))


def pop_view(srv, user):
    """(STAT, [(number, size)], [uidl lines]) from a poplib session that
    only looks (QUIT without DELE or RETR)."""
    p = srv.poplib(user)
    try:
        stat = p.stat()
        _, listing, _ = p.list()
        _, uidls, _ = p.uidl()
    finally:
        p.quit()
    return stat, listing, uidls


ALL = TRICKY + [NO_NEWLINE]
ACCOUNTS = ["keep", "look", "untouched", "dele", "uidl"]


@pytest.fixture(scope="module")
def server():
    assert os.access(GETMAIL, os.X_OK), \
        "getmail missing (Debian package getmail6; scripts/deps.sh check)"
    srv = Server(accounts=ACCOUNTS,
                 mailboxes={"keep": ALL, "look": ALL, "untouched": ALL,
                            "dele": ALL, "uidl": TRICKY})
    yield srv
    srv.stop()


@pytest.fixture
def getmail(server, request):
    made = []

    def make(user):
        g = Getmail(server.port, user)
        made.append(g)
        return g
    yield make
    for g in made:
        g.cleanup()


# ------------------------------------------------------------------ tests

def test_keep_mode_byte_for_byte(server, getmail):
    g = getmail("keep")
    got = g.run(delete=False, read_all=True)
    assert_same_messages(got, ALL)
    stored = server.read_mbox("keep")
    assert [m.msgid for m in stored] == ["<msg%d@test>" % i for i in range(1, 9)], stored
    assert not any(m.deleted for m in stored), stored
    # Again: the spool file now carries the server's UIDs and \Seen
    # (Status/X-UID/X-IMAP), none of which may show in the messages.
    assert all(m.seen for m in stored), stored
    got = g.run(delete=False, read_all=True)
    assert_same_messages(got, ALL)


def test_looking_changes_no_size(server):
    """Sessions that only look (STAT, LIST, UIDL, QUIT) see the same
    numbers, sizes and UIDLs each time, from the first one on: its login
    writes the UIDs, and that checkpoint also gives the message without a
    final newline its line end, the CRLF RETR sends and counts anyway."""
    first = pop_view(server, "look")
    assert first[0][0] == len(ALL), first
    sizes = [int(line.split()[1]) for line in first[1]]
    assert sizes == [len(re.sub(rb"(?<!\r)\n", b"\r\n", m))
                     + (0 if m.endswith(b"\n") else 2) for m in ALL], sizes
    for i in range(2):
        again = pop_view(server, "look")
        assert again == first, (first, again)


def test_retr_octets_are_exact(server):
    """RETR's "+OK n octets" counts what follows, un-stuffed, for every
    message, the one without a final newline included."""
    import poplib
    poplib._MAXLINE = 1 << 20  # two test messages have 50 KB lines
    p = server.poplib("keep")
    try:
        n = p.stat()[0]
        for i in range(1, n + 1):
            resp, lines, octets = p.retr(i)
            announced = int(resp.split()[1])
            # poplib's octets: the lines with CRLF, dot-unstuffed
            assert announced == octets, (i, resp, octets)
    finally:
        p.rset()
        p.quit()


def test_keep_mode_leaves_the_spool_untouched(server, getmail):
    """Every message stays, with its number, size (LIST/STAT) and UIDL.
    (One look-only session first: the UIDs are on disk before "before".)"""
    pop_view(server, "untouched")
    before = pop_view(server, "untouched")
    assert before[0][0] == len(ALL), before
    g = getmail("untouched")
    for i in range(2):
        got = g.run(delete=False, read_all=True)
        assert sorted(got) == sorted(stored_by_id(ALL))
        after = pop_view(server, "untouched")
        changed = [(b, a) for b, a in zip(before[1], after[1]) if a != b]
        assert not changed, "LIST (number size) before -> after fetch %d: %s" % (i + 1, changed)
        assert after == before, (before, after)
    stored = server.read_mbox("untouched")
    assert [m.msgid for m in stored] == ["<msg%d@test>" % i for i in range(1, 9)], stored
    assert not any(m.deleted for m in stored), stored


def test_delete_mode_empties_the_spool(server, getmail):
    # STAT: the messages' CRLF sizes, a missing final line end counted
    # (the login's checkpoint added it on disk)
    size = sum(len(re.sub(rb"(?<!\r)\n", b"\r\n", m))
               + (0 if m.endswith(b"\n") else 2) for m in ALL)
    assert pop_view(server, "dele")[0] == (len(ALL), size)
    g = getmail("dele")
    got = g.run(delete=True, read_all=True)
    assert_same_messages(got, ALL)
    server.wait_log(re.compile(r"Update user=dele host=\S+ nmsgs=0 ndele=%d nseen=\d+"
                               % len(ALL)))
    stat, listing, uidls = pop_view(server, "dele")
    assert stat == (0, 0) and listing == [] and uidls == [], (stat, listing, uidls)
    assert server.read_mbox("dele") == []
    assert g.run(delete=True, read_all=True) == {}


def test_uidl_fetches_only_new_messages(server, getmail):
    g = getmail("uidl")
    got = g.run(delete=False, read_all=False)
    assert_same_messages(got, TRICKY)
    stat, listing, uidls = pop_view(server, "uidl")
    # getmail remembers exactly the server's UIDLs
    oldmail = [f for f in os.listdir(g.gmdir) if f.startswith("oldmail-")]
    assert len(oldmail) == 1, os.listdir(g.gmdir)
    with open(os.path.join(g.gmdir, oldmail[0]), "rb") as f:
        remembered = sorted(line.split(b"\0")[0] for line in f.read().splitlines() if line)
    assert remembered == sorted(u.split()[1] for u in uidls), (remembered, uidls)

    assert g.run(delete=False, read_all=False) == {}, "nothing new, yet:\n" + g.output

    # one more message delivered to the spool file (no session is running)
    path = server.spool_path("uidl")
    with open(path, "rb") as f:
        data = f.read()
    assert data.endswith(b"\n\n"), data[-40:]
    with open(path, "ab") as f:
        f.write(b"From sender@example.org Tue Jan  2 10:00:00 2024\n" + NEW + b"\n")
    got = g.run(delete=False, read_all=False)
    assert_same_messages(got, [NEW])
    stat2, _, uidls2 = pop_view(server, "uidl")
    assert stat2[0] == stat[0] + 1
    assert uidls2[:len(uidls)] == uidls, (uidls, uidls2)
    assert g.run(delete=False, read_all=False) == {}, "nothing new again:\n" + g.output


def test_apop_login():
    """getmail's APOP (use_apop) against a server with a secrets file."""
    msgs = TRICKY[:3]
    with Server(accounts=["apop"], mailboxes={"apop": msgs},
                secrets={"apop": PASSWORD}) as srv:
        g = Getmail(srv.port, "apop")
        try:
            got = g.run(apop=True)
        finally:
            g.cleanup()
        assert_same_messages(got, msgs)
        srv.wait_log(re.compile(r"APOP user=apop host=\S+ nmsgs=3/3"))
