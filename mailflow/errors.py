"""One error tree, so the command line can turn any of them into one clear line.

Every message says what was wrong, where (file, key, mail) and, where it can, what to do.
"""


class MailflowError(Exception):
    """Base of every error mailflow reports to a person rather than as a traceback."""

    exit_code = 1


class ConfigError(MailflowError):
    """The settings file or an environment variable it names is wrong or missing."""

    exit_code = 2


class RulesError(MailflowError):
    """A staff-edited rule file or template cannot be used."""

    exit_code = 2


class DocumentError(MailflowError):
    """A document cannot be read at all (not: a field read with doubt)."""

    exit_code = 3


class MailboxError(MailflowError):
    """The mailbox source or the outgoing transport failed."""

    exit_code = 4
