"""The kinds of entity the knowledge holds: shared by the builder and the loader of intents, which
needs them without the builder's imports (`nervebot ask` starts without loading the builder)."""

from __future__ import annotations

ENTITY_TYPES = (
    "root",
    "plexus",
    "nerve",
    "muscle",
    "muscle_group",
    "movement",
    "sign",
    "region",
    "exam",
    "condition",
    "level",
    "procedure",
    "factor",
)
