"""Which file INBOX is, and that anonymous sessions have none.

(a) ~/mbox and chroot-server.  UW's rule: when ~/mbox exists and is an
mbox, it is INBOX (new spool mail is moved into it).  Under chroot-server
INBOX is ~/INBOX instead (the spool is outside the chroot), and ~/mbox is
then an ordinary mailbox that INBOX must not open.  imapd runs on a pipe in
its preauthenticated test mode as in test_policy.py (as nobody through
setpriv when we are root, HOME pointing at a scratch home); that mode does
not chroot but applies chroot-server's INBOX rule.

(b) Anonymous sessions (SASL ANONYMOUS) under tcpserver, through
tests/login/loginserver.py: no INBOX (not listed, not selectable, not in
STATUS), no personal namespace, while #ftp/ works -- with a spool file and
an anonymous home full of mailboxes there to be found if the rules slipped.
"""
import os
import re
import shutil
import sys
import tempfile

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "login"))
from loginserver import Anonymous, Server, run_sasl  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from preauth import (NOBODY, ROOT, PreauthScratch, chown_tree, ok,  # noqa: E402
                     scratch_fixture)

FROM_RE = re.compile(rb"^From \S+ +\w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d \d{4}$", re.M)


def mbox(*subjects):
    out = b""
    for i, subj in enumerate(subjects):
        out += (b"From home@example.org Mon Jan  1 10:%02d:00 2024\n"
                b"From: home@example.org\nSubject: %s\n\nbody %d\n\n"
                % (i, subj.encode(), i))
    return out


def literal(subject):
    msg = "From: t@example.org\r\nSubject: %s\r\n\r\nappended\r\n" % subject
    return "{%d}\r\n%s" % (len(msg.encode()), msg)


def read(path):
    with open(path, "rb") as f:
        return f.read()


# ------------------------------------------------------------ (a) ~/mbox

class Home(PreauthScratch):
    """A scratch home with ~/mbox (two messages), and a spool INBOX (the
    demo mailbox)."""

    prefix = "policy-inbox."
    HOME_SUBJECTS = ("home-mbox-one", "home-mbox-two")

    def setup(self):
        os.chmod(self.spool, 0o1777)
        self.spool_inbox = self.inbox
        self.mbox = os.path.join(self.home, "mbox")
        with open(self.mbox, "wb") as f:
            f.write(mbox(*self.HOME_SUBJECTS))
        self.home_inbox = os.path.join(self.home, "INBOX")


@pytest.fixture
def home_factory():
    yield from scratch_fixture(Home)


def exists(reply):
    n = [int(m.group(1)) for l in reply[0] for m in [re.match(r"^\* (\d+) EXISTS$", l)] if m]
    assert n, reply
    return n[-1]


def subjects(reply):
    return [l[len("Subject: "):] for l in reply[0] if l.startswith("Subject: ")]


FETCH_SUBJECTS = "FETCH 1:* BODY.PEEK[HEADER.FIELDS (SUBJECT)]"


def test_chroot_server_inbox_is_home_inbox_not_mbox(home_factory):
    h = home_factory("set chroot-server yes")
    mbox_before, spool_before = read(h.mbox), read(h.spool_inbox)
    r = h.session([
        "EXAMINE INBOX",                         # no ~/INBOX yet: empty
        "APPEND INBOX " + literal("appended-chroot"),
        "SELECT INBOX",
        FETCH_SUBJECTS,
        'STATUS INBOX (MESSAGES)',
        "EXAMINE mbox",                          # an ordinary mailbox now
        FETCH_SUBJECTS,
    ])
    assert ok(r[0]) and exists(r[0]) == 0, r[0]
    assert ok(r[1]), r[1]
    assert ok(r[2]) and exists(r[2]) == 1, r[2]
    assert subjects(r[3]) == ["appended-chroot"], r[3]
    assert ok(r[4]) and any("(MESSAGES 1)" in l for l in r[4][0]), r[4]
    assert ok(r[5]) and exists(r[5]) == len(h.HOME_SUBJECTS), r[5]
    assert subjects(r[6]) == list(h.HOME_SUBJECTS), r[6]
    # on disk: the message is in ~/INBOX; ~/mbox and the spool untouched
    assert b"Subject: appended-chroot" in read(h.home_inbox)
    assert read(h.mbox) == mbox_before
    assert read(h.spool_inbox) == spool_before


@pytest.mark.parametrize("spool", ["one-message", "demo-mailbox"])
def test_without_chroot_home_mbox_is_inbox(home_factory, spool):
    # the spool's mail is moved into ~/mbox when INBOX opens: one short
    # message, or the demo mailbox (7 messages, 2.8 kB)
    h = home_factory()
    if spool == "one-message":
        with open(h.spool_inbox, "wb") as f:
            f.write(mbox("spool-one"))
        chown_tree(h.dir)
    spool_text = read(h.spool_inbox)
    spool_subjects = [m.decode() for m in re.findall(rb"^Subject: (.*)$",
                                                      spool_text, re.M)]
    spool_msgs = len(FROM_RE.findall(spool_text))
    assert spool_msgs == len(spool_subjects) > 0
    r = h.session([
        "APPEND INBOX " + literal("appended-plain"),
        "SELECT INBOX",
        FETCH_SUBJECTS,
    ])
    assert ok(r[0]) and ok(r[1]), r[:2]
    got = subjects(r[2])
    # INBOX is ~/mbox: its messages first, the appended one in it
    assert got[:2] == list(h.HOME_SUBJECTS), got
    assert "appended-plain" in got, got
    assert not os.path.exists(h.home_inbox)
    mb = read(h.mbox)
    assert b"Subject: appended-plain" in mb and b"Subject: home-mbox-one" in mb
    # and the spool's mail was moved into it, leaving the spool empty
    assert sorted(got[2:]) == sorted(spool_subjects + ["appended-plain"]), got
    assert exists(r[1]) == len(h.HOME_SUBJECTS) + spool_msgs + 1, r[1]
    assert read(h.spool_inbox) == b""
    for subj in spool_subjects:
        assert ("Subject: %s" % subj).encode() in mb, subj


def test_without_chroot_non_mbox_file_is_not_inbox(home_factory):
    # the control: a ~/mbox that is not an mbox leaves INBOX in the spool
    h = home_factory()
    with open(h.mbox, "wb") as f:
        f.write(b"just some notes, not a mailbox\n")
    chown_tree(h.dir)
    spool_msgs = len(FROM_RE.findall(read(h.spool_inbox)))
    r = h.session(["EXAMINE INBOX", FETCH_SUBJECTS])
    assert ok(r[0]) and exists(r[0]) == spool_msgs, r[0]
    assert "home-mbox-one" not in subjects(r[1])
    assert read(h.mbox) == b"just some notes, not a mailbox\n"


# ------------------------------------------------------------ (b) anonymous

@pytest.fixture
def anon_server():
    base = tempfile.mkdtemp(prefix="policy-anon.", dir="/tmp")
    os.chmod(base, 0o755)
    s = None
    try:
        # #ftp/ with one mailbox: what an anonymous session may read
        ftp = os.path.join(base, "ftp")
        os.makedirs(os.path.join(ftp, "pub"))
        with open(os.path.join(ftp, "pub", "notes"), "wb") as f:
            f.write(mbox("ftp-notes"))
        # an anonymous home full of tempting names
        anon_home = os.path.join(base, "anonhome")
        os.mkdir(anon_home)
        for name in ("INBOX", "mbox", "private"):
            with open(os.path.join(anon_home, name), "wb") as f:
                f.write(mbox("anon-" + name))
        for d, _, files in os.walk(base):
            os.chmod(d, 0o755)
            for n in files:
                os.chmod(os.path.join(d, n), 0o644)
        s = Server("imapd", tls=None, anonymous=True, config_lines=(
            "set ftp-export-directory " + ftp,
            "set anonymous-home-directory " + anon_home))
        # the anonymous user's spool file: an INBOX to find if one leaked
        spool = os.path.join(s.spool, "nobody")
        with open(spool, "wb") as f:
            f.write(mbox("spool-nobody"))
        os.chmod(spool, 0o600)
        if ROOT:
            os.chown(spool, NOBODY, NOBODY)
        yield s
    finally:
        if s is not None:
            s.stop()
        shutil.rmtree(base, ignore_errors=True)


def list_names(untagged):
    out = []
    for l in untagged:
        m = re.match(r'^\* LIST \([^)]*\) (?:NIL|"[^"]*") (.+)$', l)
        if m:
            out.append(m.group(1).strip('"'))
    return out


def test_anonymous_has_no_inbox(anon_server):
    with anon_server.imap() as c:
        caps = c.capabilities()
        assert "AUTH=ANONYMOUS" in caps, caps
        final, _ = run_sasl(c, "ANONYMOUS", Anonymous(), ir=True)
        assert final.split()[1] == "OK" and "Anonymous login" in final, final

        untagged, done = c.cmd('LIST "" "*"')
        assert done.split()[1] == "OK", done
        names = list_names(untagged)
        assert not [n for n in names if n.upper() == "INBOX"], names
        assert not [n for n in names if "anon-" in n or n in ("mbox", "private")], names

        untagged, done = c.cmd('LIST "" "INBOX"')
        assert done.split()[1] == "OK", done
        assert list_names(untagged) == [], untagged

        untagged, done = c.cmd('LIST "" "%"')
        assert done.split()[1] == "OK", done
        assert not [n for n in list_names(untagged) if n.upper() == "INBOX"], untagged

        for cmd in ("SELECT INBOX", "EXAMINE INBOX", "STATUS INBOX (MESSAGES)",
                    "SELECT mbox", "EXAMINE private"):
            untagged, done = c.cmd(cmd)
            assert done.split()[1] == "NO", (cmd, untagged, done)
            assert not any("EXISTS" in l or "STATUS" in l for l in untagged), \
                (cmd, untagged)

        untagged, done = c.cmd("NAMESPACE")
        assert done.split()[1] == "OK", done
        ns = [l for l in untagged if l.startswith("* NAMESPACE ")]
        assert len(ns) == 1 and ns[0].startswith("* NAMESPACE NIL "), ns
        assert '"#ftp/"' in ns[0], ns

        # the control: #ftp/ works, read-only
        untagged, done = c.cmd('LIST "" "#ftp/*"')
        assert "#ftp/pub/notes" in list_names(untagged), untagged
        untagged, done = c.cmd("SELECT #ftp/pub/notes")
        assert done.split()[1] == "OK" and "[READ-ONLY]" in done, done
        assert "* 1 EXISTS" in untagged, untagged
        c.cmd("LOGOUT")
