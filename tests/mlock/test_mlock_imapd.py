"""mlock through the library: a preauthenticated imapd running as nobody
works on its INBOX in a root:mail 1775 spool, where it cannot create
INBOX.lock itself.  With "set mlock-path none" c-client gives UW's warning
"Mailbox vulnerable - directory ... must have 1777 protection"; with
"set mlock-path" naming the setgid copy, mlock holds every dotlock (a
logging wrapper proves it was asked) and there is no warning."""
import os
import sys

import pytest

HERE = os.path.dirname(__file__)
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "policy"))
import preauth  # noqa: E402
from mlockscratch import NOBODY, Spool  # noqa: E402

COMMANDS = ["SELECT INBOX", "APPEND INBOX {14}\r\nSubject: new\r\n",
            "STORE 1 +FLAGS (\\Deleted)", "EXPUNGE", "CHECK", "CLOSE"]


class Session:
    """A Spool for the mlock copy, and a preauth imapd scratch whose spool
    is made root:mail 1775 with the INBOX owned by nobody."""

    def __init__(self, mlock_path):
        self.tools = Spool()
        self.log = os.path.join(self.tools.dir, "calls.log")
        open(self.log, "w").close()
        os.chown(self.log, NOBODY, NOBODY)
        wrapper = os.path.join(self.tools.bin, "mlock-logged")
        with open(wrapper, "w") as f:
            f.write('#!/bin/sh\necho "$# $2" >> %s\nexec %s "$@"\n'
                    % (self.log, self.tools.mlock))
        os.chmod(wrapper, 0o755)
        if mlock_path == "WRAPPER":
            mlock_path = wrapper
        self.imapd = preauth.PreauthScratch(["set mlock-path %s" % mlock_path])
        os.chown(self.imapd.spool, 0, self.tools.gid)
        os.chmod(self.imapd.spool, 0o1775)

    def run(self):
        replies = self.imapd.session(COMMANDS)
        for untagged, tagged in replies:
            assert tagged.split()[1] == "OK", replies
        with open(self.log) as f:
            calls = f.read().splitlines()
        with open(self.imapd.inbox) as f:
            text = f.read()
        return replies, calls, text

    def cleanup(self):
        self.imapd.cleanup()
        self.tools.cleanup()


@pytest.fixture
def session():
    if not os.access(preauth.IMAPD, os.X_OK):
        pytest.fail("%s is not built" % preauth.IMAPD)
    yield from preauth.made(Session, lambda s: s.cleanup())


def warnings(replies):
    return [u for untagged, _ in replies for u in untagged
            if "Mailbox vulnerable" in u]


def test_without_mlock_uw_warning(session):
    s = session("none")
    replies, calls, text = s.run()
    expect = ("* NO Mailbox vulnerable - directory %s must have 1777"
              " protection" % s.imapd.spool)
    found = warnings(replies)
    assert found and set(found) == {expect}, replies
    assert calls == []
    assert "Subject: new" in text               # the work was still done
    assert sorted(os.listdir(s.imapd.spool)) == [s.imapd.user]


def test_with_mlock_no_warning(session):
    s = session("WRAPPER")
    replies, calls, text = s.run()
    assert warnings(replies) == [], replies
    # every dotlock went through mlock, "mlock FD PATH" on the INBOX
    assert calls, "mlock was never run"
    assert set(calls) == {"2 %s" % s.imapd.inbox}, calls
    assert "Subject: new" in text
    assert sorted(os.listdir(s.imapd.spool)) == [s.imapd.user]


@pytest.mark.parametrize("path", ["/nonexistent/mlock", "mlock-logged"])
def test_unusable_mlock_path_warns(session, path):
    """A missing helper, or a relative name (even one that imapd's working
    directory, the home, holds), is no helper: the warning, and mlock
    never runs."""
    s = session(path)
    os.symlink(os.path.join(s.tools.bin, "mlock-logged"),
               os.path.join(s.imapd.home, "mlock-logged"))
    replies, calls, text = s.run()
    assert warnings(replies), replies
    assert calls == []
