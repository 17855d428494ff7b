"""The root of the exceptions guixml raises on bad input: each names where,
never a traceback.  Each stage raises its own subclasses (the reader's are in
:mod:`guixml.scheme.errors`); this module imports nothing, so that every
stage can use it."""


class GuixmlError(Exception):
    """Any error guixml reports to a user; the CLI prints it and exits 2."""
