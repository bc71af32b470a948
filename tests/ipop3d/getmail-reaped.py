"""Run Debian's getmail6 (/usr/bin/getmail) with one bug worked around.

getmail6 6.18 delivers each message in a forked child and installs its
SIGCHLD handler only after fork(): when the child exits first (likely on a
busy machine) the signal is lost and getmail gives up after its timeout
with "operation error (waiting child pid N timed out)".  Here the child is
reaped with a plain waitpid() instead; getmail is otherwise unchanged, and
the exit status and error texts are its own.
"""
import os
import runpy
import sys

import getmailcore.baseclasses as base
from getmailcore.exceptions import getmailOperationError

GETMAIL = "/usr/bin/getmail"


def _prepare_child(self):
    pass                        # no SIGCHLD handler: waitpid() below reaps


def _wait_for_child(self, childpid):
    while True:
        try:
            pid, status = os.waitpid(childpid, 0)
            break
        except InterruptedError:
            continue
    if os.WIFSIGNALED(status):
        raise getmailOperationError("child pid %d killed by signal %d"
                                    % (pid, os.WTERMSIG(status)))
    if not os.WIFEXITED(status):
        raise getmailOperationError("child pid %d failed to exit" % pid)
    return os.WEXITSTATUS(status)


base.ForkingBase._prepare_child = _prepare_child
base.ForkingBase._wait_for_child = _wait_for_child
sys.argv[0] = GETMAIL
runpy.run_path(GETMAIL, run_name="__main__")
