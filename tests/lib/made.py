"""made(build, cleanup): the body of a pytest "factory" fixture.

    @pytest.fixture
    def servers():
        yield from made(Server, lambda s: s.stop())

The test calls the yielded make(*args, **kw) as often as it likes; every
object built is cleaned up afterwards, in order, whatever the outcome."""


def made(build, cleanup):
    objs = []

    def make(*args, **kw):
        obj = build(*args, **kw)
        objs.append(obj)
        return obj
    try:
        yield make
    finally:
        for obj in objs:
            cleanup(obj)
