"""The command line's exit codes and its one exception, shared by _cli and _attach (so that
neither imports the other for them)."""
from ._internal import hide

EXIT_OK, EXIT_ERROR, EXIT_USAGE, EXIT_IO, EXIT_FORMAT = 0, 1, 2, 3, 4
EXIT_ATTACH, EXIT_TIMEOUT = 5, 6


class CliError(Exception):
    """A failure the command reports as one line on stderr, with its exit code."""

    def __init__(self, message, code):
        super().__init__(message)
        self.code = code


hide(globals(), CliError)
