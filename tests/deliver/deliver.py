#!/usr/bin/python3
"""deliver.py FORMAT MAILBOX COUNT SEED : the harness's MTA.

Appends messages 1..COUNT to MAILBOX (format FORMAT, see harness.py) in
batches: most of one message, some of several under one lock; half the
batches take the dotlock with link() from a hitching post, half with
O_EXCL.  After each batch is fsynced and unlocked its ids are printed
(one line "ids N..."), so the test knows exactly what was delivered.
Short random pauses spread the work over the sessions' lifetime.  Ends
with one line "delivered N batches B stale-locks-broken S" and exits 0."""
import os
import random
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import FORMATS  # noqa: E402


def main(argv):
    if len(argv) != 5:
        sys.stderr.write(__doc__)
        return 2
    fmt = FORMATS[argv[1]](argv[2])
    count, seed = int(argv[3]), int(argv[4])
    pause = float(os.environ.get("DELIVER_PAUSE", "0.01"))
    rnd = random.Random(seed)
    n = batches = lost = 0
    while n < count:
        size = rnd.randint(3, 25) if rnd.random() < 0.05 else 1
        ids = list(range(n + 1, min(count, n + size) + 1))
        lost += fmt.deliver(ids, use_link=rnd.random() < 0.5)
        print("ids " + " ".join(map(str, ids)), flush=True)
        n = ids[-1]
        batches += 1
        time.sleep(rnd.uniform(0, 2 * pause))
    print("delivered %d batches %d stale-locks-broken %d lock-lost %d"
          % (n, batches, fmt.stale.broken, lost))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
