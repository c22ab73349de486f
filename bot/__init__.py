"""nervebot: grounded answers about lumbosacral nerve roots, each resting on a verbatim source sentence.

from bot import Bot
answer = Bot().ask("what causes foot drop?")
print(answer.text, answer.sources[0].sentence, answer.disclaimer)
"""

from .answer import DISCLAIMER, Answer, Conflict, ConflictSide, Slot, Source
from .core import Bot
from .errors import BotError, IntentError, KnowledgeError, StoreError

__all__ = [
    "DISCLAIMER",
    "Answer",
    "Bot",
    "BotError",
    "Conflict",
    "ConflictSide",
    "IntentError",
    "KnowledgeError",
    "Slot",
    "Source",
    "StoreError",
]
__version__ = "0.1.0"
