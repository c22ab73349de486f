"""`nervebot discord`: the bot in Discord, a thin discord.py adapter over `Bot.ask`.

`to_discord_embeds(answer)` renders an Answer as embeds within Discord's limits; `create_client(bot)`
answers a `/ask` slash command, mentions and direct messages. discord.py is imported only inside
functions, so `import bot` never loads it.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import re
import sys
from typing import TYPE_CHECKING

from .answer import Answer, Source, follow_on, numbered

if TYPE_CHECKING:
    import discord

    from .core import Bot

# Discord's embed limits (https://discord.com/developers/docs/resources/message#embed-object-embed-limits)
TITLE_CHARS = 256
DESCRIPTION_CHARS = 4096
FIELD_NAME_CHARS = 256
FIELD_VALUE_CHARS = 1024
FOOTER_CHARS = 2048
MAX_FIELDS = 25
EMBED_CHARS = 6000
MORE_RESERVE = 100  # kept free for the "more sources" note
MAX_MESSAGES = 4  # an answer's messages at most: past them, sources are counted, not shown
SOURCE_RESERVE = FIELD_NAME_CHARS + 200 + MORE_RESERVE  # what a long description leaves for one source
ELLIPSIS = "\u2026"
COLOURS = {"answered": 0x2E7D32, "clarify": 0x1565C0, "safety": 0xC62828}
EXTRA_MESSAGE = "nervebot discord needs the Discord extra: in the checkout, pip install -e '.[discord]'"
MISSING_TOKEN = "nervebot discord: set DISCORD_TOKEN to your bot's token (Discord developer portal > Bot > Token)"
SORRY = "Sorry, something went wrong on my side while answering; please try again in a moment."
MISSING_PERMISSIONS = 50013  # Discord's error code for a permission the bot lacks in a channel
NEEDS_PERMISSIONS = (
    "I can't answer here yet: my answers are replies with embeds that show their sources, so I need the "
    "Embed Links and Read Message History permissions in this channel. A server admin can grant them in "
    "the channel's settings."
)

log = logging.getLogger(__name__)


# -- rendering ---------------------------------------------------------------------------------------
def fit(text: str, limit: int) -> str:
    """`text` with markdown and mentions made inert, cut at a word with an ellipsis if over `limit`."""
    from discord.utils import escape_markdown, escape_mentions

    out = escape_mentions(escape_markdown(text))
    if len(out) <= limit:
        return out
    cut = out[: limit - len(ELLIPSIS)]
    space = cut.rfind(" ")
    if space > limit // 2:
        cut = cut[:space]
    return cut.rstrip(" \\") + ELLIPSIS


def _source_field(source: Source, related: bool) -> tuple[str, str]:
    name = f"[{source.number}] {source.title}" + (" (related reading)" if related else "")
    value = f"\u201c{source.sentence}\u201d\n{source.section}; evidence: {source.evidence_level}"
    return fit(name, FIELD_NAME_CHARS), fit(value, FIELD_VALUE_CHARS)


def to_discord_embeds(answer: Answer, most: int = MAX_MESSAGES) -> list[discord.Embed]:
    """Embeds for an Answer, one a message, each within Discord's limits: the answer as description
    with a field per quoted source, as many as fit; the sources left go on in the next embeds, up to
    `most` in all, and a "More sources" field says what is left. Each has the disclaimer as footer.
    """
    import discord

    parts = [answer.text]
    parts += [f"{i}. {option}" for i, option in enumerate(answer.options, 1)]
    parts += [f"({note})" for note in answer.notes]
    if answer.suggestions and not answer.answered:
        parts.append("You could ask: " + " | ".join(answer.suggestions))
    quoted, related = (answer.sources, False) if answer.sources else (answer.related, True)

    title = fit(answer.question or "nervebot", TITLE_CHARS)
    footer = fit(answer.disclaimer, FOOTER_CHARS)
    colour = COLOURS.get(answer.status, 0x757575)
    reserve = SOURCE_RESERVE if quoted else 0
    room = min(DESCRIPTION_CHARS, EMBED_CHARS - len(title) - len(footer) - reserve)
    embed = discord.Embed(title=title, description=fit("\n".join(p for p in parts if p), room), colour=colour)
    embeds, left = [embed], list(quoted)
    while True:
        embed.set_footer(text=footer)
        shown = _add_sources(embed, left, related)
        left = left[shown:]
        if not left:
            return embeds
        if len(embeds) == most:
            hidden = len(left)
            embed.add_field(name="More sources", value=f"{ELLIPSIS}and {hidden} more not shown here.", inline=False)
            return embeds
        embed.add_field(name="More sources", value=follow_on(left), inline=False)
        embed = discord.Embed(title=fit(f"Sources {numbered(left)}: {answer.question}", TITLE_CHARS), colour=colour)
        embeds.append(embed)


def _add_sources(embed: discord.Embed, quoted: list[Source], related: bool) -> int:
    """Add a field for each of the first sources that fit, keeping room for a "More sources" field
    while others are left; return how many were added."""
    most = MAX_FIELDS if len(quoted) <= MAX_FIELDS else MAX_FIELDS - 1
    shown = 0
    for source in quoted[:most]:
        name, value = _source_field(source, related)
        left = EMBED_CHARS - len(embed) - len(name) - (MORE_RESERVE if shown + 1 < len(quoted) else 0)
        if left < min(len(value), 100):
            break
        if len(value) > left:
            value = fit(f"\u201c{source.sentence}\u201d", left)
        embed.add_field(name=name, value=value, inline=False)
        shown += 1
    return shown


def to_discord_embed(answer: Answer) -> discord.Embed:
    """An Answer as one embed: the first of `to_discord_embeds`, with any sources that do not fit
    in it counted rather than shown."""
    return to_discord_embeds(answer, most=1)[0]


# -- the client --------------------------------------------------------------------------------------
def session_id(guild: int | None, channel: int | None, user: int) -> str:
    """One conversation per (guild, channel, user): follow-ups work and people never share one."""
    return f"discord:{guild or 'dm'}:{channel or '-'}:{user}"


async def _ask(bot: Bot, question: str, session: str) -> Answer | None:
    try:
        return await asyncio.to_thread(bot.ask, question, session=session)
    except Exception:
        log.exception("nervebot could not answer in session %s", session)
        return None


async def answer_message(bot: Bot, message: discord.Message, me: int) -> discord.Message | None:
    """Reply to a message that mentions the bot (or any direct message); ignore everything else."""
    import discord

    direct = isinstance(message.channel, discord.DMChannel)
    if message.author.bot or message.author.id == me or not (direct or me in message.raw_mentions):
        return None
    question = re.sub(rf"<@!?{me}>", " ", message.content)
    guild = message.guild.id if message.guild else getattr(message.channel, "guild_id", None)
    answer = await _ask(bot, question, session_id(guild, message.channel.id, message.author.id))
    none = discord.AllowedMentions.none()
    if answer is None:
        return await message.reply(SORRY, allowed_mentions=none, mention_author=False)
    embeds = to_discord_embeds(answer)
    try:
        first = await message.reply(embed=embeds[0], allowed_mentions=none, mention_author=False)
    except discord.Forbidden as exc:
        log.warning("Discord refused an answer in channel %s: %s", message.channel.id, exc.text)
        if exc.code != MISSING_PERMISSIONS:
            return None
        try:  # a plain message, not a reply: that needs only Send Messages
            return await message.channel.send(NEEDS_PERMISSIONS, allowed_mentions=none)
        except discord.HTTPException:
            return None
    for embed in embeds[1:]:  # the sources that did not fit, in replies of their own
        await message.reply(embed=embed, allowed_mentions=none, mention_author=False)
    return first


async def answer_interaction(bot: Bot, interaction: discord.Interaction, question: str) -> None:
    """Answer `/ask question`."""
    import discord

    session = session_id(interaction.guild_id, interaction.channel_id, interaction.user.id)
    answer = await _ask(bot, question, session)
    none = discord.AllowedMentions.none()
    if answer is None:
        await interaction.response.send_message(SORRY, allowed_mentions=none, ephemeral=True)
        return
    embeds = to_discord_embeds(answer)
    await interaction.response.send_message(embed=embeds[0], allowed_mentions=none)
    for embed in embeds[1:]:
        await interaction.followup.send(embed=embed, allowed_mentions=none)


def permissions() -> discord.Permissions:
    """What the bot needs in a channel: to see it, to send (also in threads), to reply, and embeds."""
    import discord

    return discord.Permissions(
        view_channel=True,
        send_messages=True,
        send_messages_in_threads=True,
        read_message_history=True,
        embed_links=True,
    )


def invite_url(application_id: int) -> str:
    """The link that adds the bot to a server with `/ask` and the permissions it needs."""
    import discord

    return discord.utils.oauth_url(application_id, permissions=permissions(), scopes=("bot", "applications.commands"))


def create_client(bot: Bot) -> discord.Client:
    """A discord.py Client with a `/ask` slash command (synced when it logs in) that answers mentions.

    It needs no privileged intent: Discord sends the text of messages that mention the bot.
    """
    import discord
    from discord import app_commands

    class NervebotClient(discord.Client):
        def __init__(self) -> None:
            super().__init__(intents=discord.Intents.default(), allowed_mentions=discord.AllowedMentions.none())
            self.tree = app_commands.CommandTree(self)

            @self.tree.command(name="ask", description="Ask about the lumbosacral nerve roots; answers quote sources")
            @app_commands.describe(question="for example: what causes foot drop?")
            async def ask(interaction: discord.Interaction, question: str) -> None:
                await answer_interaction(bot, interaction, question)

        async def setup_hook(self) -> None:
            await self.tree.sync()
            if self.application_id is not None:
                log.info("Add nervebot to a server with %s", invite_url(self.application_id))

        async def on_message(self, message: discord.Message) -> None:
            if self.user is not None:
                await answer_message(bot, message, self.user.id)

    return NervebotClient()


def run(args: argparse.Namespace) -> int:
    """Serve Discord until interrupted."""
    try:
        import discord
    except ImportError:
        print(EXTRA_MESSAGE, file=sys.stderr)
        return 2
    from .core import Bot

    token = os.environ.get("DISCORD_TOKEN")
    if not token:
        print(MISSING_TOKEN, file=sys.stderr)
        return 2
    client = create_client(Bot(db=args.db or None))
    try:
        client.run(token, root_logger=True)  # discord.py's log handler shows nervebot's lines too
    except discord.LoginFailure:
        print(
            "nervebot discord: Discord refused DISCORD_TOKEN; copy it again from the developer portal", file=sys.stderr
        )
        return 1
    except OSError as exc:  # no network, DNS, a refused or dropped connection
        print(f"nervebot discord: cannot reach Discord ({exc}); check the network", file=sys.stderr)
        return 1
    return 0
