"""The one exception family nervebot raises; each message says what to do next."""


class BotError(Exception):
    """Base class: something the user or curator can fix, never a bug in what they typed."""

    exit_code = 2


class KnowledgeError(BotError):
    """A source, entity, fact or conflict file is wrong; the message names the file and the fix."""


class IntentError(BotError):
    """An intents file is malformed or disagrees with the fact store."""


class StoreError(BotError):
    """facts.db is missing, unreadable, corrupt or built by another schema version."""
