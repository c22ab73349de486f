"""The Discord adapter through the real discord.py Client, with Discord's REST API mocked on loopback.

The client logs in against an aiohttp server on 127.0.0.1 (discord.py's `Route.BASE` pointed there),
syncs its `/ask` command there, and receives gateway events as the gateway would hand them over
(MESSAGE_CREATE and INTERACTION_CREATE payloads into the client's own parsers). What it sends back,
replies and interaction responses, is recorded as the JSON discord.py put on the wire.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import re
import subprocess
import sys
import urllib.parse
import warnings
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field, replace
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

with warnings.catch_warnings():
    # discord.py imports the standard library's audioop for voice, deprecated since Python 3.11
    # (PEP 594) and unavoidable at import; nervebot never plays audio. Only this one warning is excused.
    warnings.filterwarnings("ignore", "'audioop' is deprecated", DeprecationWarning)
    import discord

from bot import Answer, Bot, Source
from bot.cli import main
from bot.discord_app import (
    DESCRIPTION_CHARS,
    EMBED_CHARS,
    FIELD_NAME_CHARS,
    FIELD_VALUE_CHARS,
    FOOTER_CHARS,
    MAX_FIELDS,
    MAX_MESSAGES,
    TITLE_CHARS,
    create_client,
    run,
    session_id,
    to_discord_embed,
    to_discord_embeds,
)

# Snowflakes are 17-20 digits; discord.py only reads mentions of ids that long.
BOT_ID = 100_000_000_000_000_001
GUILD, CHANNEL, DM_CHANNEL = 400_000_000_000_000_001, 300_000_000_000_000_001, 300_000_000_000_000_002
ANN, BEN = 500_000_000_000_000_001, 500_000_000_000_000_002
_ids = itertools.count(900_000_000_000_000_000)


def user(uid: int, name: str, *, is_bot: bool = False) -> dict[str, Any]:
    return {"id": str(uid), "username": name, "discriminator": "0", "avatar": None, "global_name": name, "bot": is_bot}


# -- a mock Discord REST API on loopback --------------------------------------------------------------
@dataclass
class Rest:
    """What the client sent: (method, path, JSON body)."""

    calls: list[tuple[str, str, Any]] = field(default_factory=list)
    changed: asyncio.Event = field(default_factory=asyncio.Event)
    missing_permissions: bool = False  # refuse messages with embeds as Discord does without Embed Links

    def sent(self) -> list[dict[str, Any]]:
        """Bodies of messages and interaction responses, in order."""
        return [body for method, path, body in self.calls if method == "POST"]

    async def wait_for(self, count: int, timeout: float = 10) -> list[dict[str, Any]]:
        async with asyncio.timeout(timeout):
            while len(self.sent()) < count:
                self.changed.clear()
                await self.changed.wait()
        return self.sent()


def _message_payload(channel_id: str, body: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": str(next(_ids)),
        "channel_id": channel_id,
        "author": user(BOT_ID, "nervebot", is_bot=True),
        "content": body.get("content") or "",
        "timestamp": "2024-01-01T00:00:00+00:00",
        "edited_timestamp": None,
        "tts": False,
        "mention_everyone": False,
        "mentions": [],
        "mention_roles": [],
        "attachments": [],
        "embeds": body.get("embeds") or [],
        "pinned": False,
        "type": 0,
    }


def _rest_app(rest: Rest) -> web.Application:
    async def handle(request: web.Request) -> web.Response:
        body = await request.json() if request.can_read_body else None
        path = request.path.removeprefix("/api/v10")
        rest.calls.append((request.method, path, body))
        rest.changed.set()
        parts = path.strip("/").split("/")
        reply: Any
        status = 200
        if path == "/users/@me":
            reply = user(BOT_ID, "nervebot", is_bot=True)
        elif path == "/oauth2/applications/@me":
            reply = {
                "id": str(BOT_ID),
                "name": "nervebot",
                "description": "",
                "icon": None,
                "bot_public": False,
                "bot_require_code_grant": False,
                "owner": user(1, "owner"),
                "verify_key": "0" * 64,
                "flags": 0,
            }
        elif request.method == "PUT" and parts[-1] == "commands":
            reply = [{**cmd, "id": str(next(_ids)), "application_id": str(BOT_ID), "version": "1"} for cmd in body]
        elif parts[0] == "channels" and parts[-1] == "messages" and rest.missing_permissions and body.get("embeds"):
            reply, status = {"message": "Missing Permissions", "code": 50013}, 403
        elif parts[0] == "channels" and parts[-1] == "messages":
            reply = _message_payload(parts[1], body)
        elif parts[0] == "webhooks":  # an interaction's follow-up messages
            reply = _message_payload(str(CHANNEL), body)
        elif parts[0] == "interactions":
            message = _message_payload(str(CHANNEL), (body or {}).get("data") or {})
            reply = {
                "interaction": {"id": parts[1], "type": 2, "response_message_id": message["id"]},
                "resource": {"type": body["type"], "message": message},
            }
        else:
            reply, status = {"message": "404: Not Found", "code": 0}, 404
        # discord.py reads a body as JSON only when the content type is exactly application/json
        return web.Response(
            body=json.dumps(reply).encode(), status=status, headers={"Content-Type": "application/json"}
        )

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", handle)
    return app


@dataclass
class Discord:
    client: discord.Client
    rest: Rest

    def gateway(self, event: str, data: dict[str, Any]) -> None:
        """Hand an event to the client the way its gateway connection does."""
        self.client._connection.parsers[event](data)

    async def mention(self, content: str, **kwargs: Any) -> dict[str, Any]:
        before = len(self.rest.sent())
        self.gateway("MESSAGE_CREATE", message_event(content, **kwargs))
        return (await self.rest.wait_for(before + 1))[-1]

    async def slash(self, question: str, **kwargs: Any) -> dict[str, Any]:
        before = len(self.rest.sent())
        self.gateway("INTERACTION_CREATE", ask_event(question, **kwargs))
        return (await self.rest.wait_for(before + 1))[-1]

    async def settle(self) -> list[dict[str, Any]]:
        """Let every event handler the client started finish; then return everything sent."""
        handlers = [t for t in asyncio.all_tasks() if t.get_name().startswith(("discord.py: ", "CommandTree-"))]
        await asyncio.wait_for(asyncio.gather(*handlers), 10)
        return self.rest.sent()


def message_event(
    content: str, *, author: int = ANN, channel: int = CHANNEL, guild: int | None = GUILD, is_bot: bool = False
) -> dict[str, Any]:
    mentions = [user(BOT_ID, "nervebot", is_bot=True)] if f"<@{BOT_ID}>" in content else []
    return {
        **_message_payload(str(channel), {"content": content}),
        "author": user(author, f"user{author}", is_bot=is_bot),
        "mentions": mentions,
        "mention_everyone": "@everyone" in content,
        **({"guild_id": str(guild)} if guild else {}),
    }


def ask_event(question: str, *, author: int = ANN, channel: int = CHANNEL, guild: int | None = GUILD) -> dict[str, Any]:
    who = user(author, f"user{author}")
    return {
        "id": str(next(_ids)),
        "application_id": str(BOT_ID),
        "type": 2,
        "token": "interaction-token",
        "version": 1,
        "channel_id": str(channel),
        "channel": {
            "id": str(channel),
            "type": 0,
            "name": "anatomy",
            "position": 0,
            "guild_id": str(guild),
            "permission_overwrites": [],
            "nsfw": False,
            "parent_id": None,
        }
        if guild
        else {"id": str(channel), "type": 1, "recipients": [who]},
        "locale": "en-US",
        "app_permissions": "0",
        "entitlements": [],
        "attachment_size_limit": 10 * 1024 * 1024,
        "authorizing_integration_owners": {"0": str(guild)} if guild else {"1": str(author)},
        "context": 0 if guild else 1,
        "data": {
            "id": str(next(_ids)),
            "name": "ask",
            "type": 1,
            "options": [{"name": "question", "type": 3, "value": question}],
        },
        **(
            {
                "guild_id": str(guild),
                "guild_locale": "en-US",
                "member": {
                    "user": who,
                    "roles": [],
                    "joined_at": "2024-01-01T00:00:00+00:00",
                    "deaf": False,
                    "mute": False,
                    "permissions": "0",
                    "flags": 0,
                },
            }
            if guild
            else {"user": who}
        ),
    }


@asynccontextmanager
async def discord_client(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Discord]:
    rest = Rest()
    server = TestServer(_rest_app(rest), host="127.0.0.1")
    await server.start_server()
    monkeypatch.setattr(discord.http.Route, "BASE", f"http://127.0.0.1:{server.port}/api/v10")
    # an interaction's follow-ups go through discord.py's webhook client, which has a Route of its own
    monkeypatch.setattr(discord.webhook.async_.Route, "BASE", f"http://127.0.0.1:{server.port}/api/v10")
    client = create_client(Bot())
    try:
        await client.login("test-token")
        yield Discord(client, rest)
    finally:
        await client.close()
        await server.close()


def live(monkeypatch: pytest.MonkeyPatch, scenario: Callable[[Discord], Awaitable[None]]) -> None:
    """Run `scenario` against a logged-in client on a fresh event loop."""

    async def main() -> None:
        async with discord_client(monkeypatch) as d:
            await scenario(d)

    asyncio.run(main())


def embed_of(sent: dict[str, Any]) -> dict[str, Any]:
    body = sent.get("data", sent)  # interaction responses wrap the message in "data"
    (embed,) = body["embeds"]
    return embed


def assert_no_pings(sent: dict[str, Any]) -> None:
    """Discord pings nobody: no @everyone/@here, users or roles parsed, and no reply ping."""
    allowed = sent.get("data", sent)["allowed_mentions"]
    assert allowed["parse"] == [] and not allowed.get("replied_user") and "users" not in allowed


def assert_within_limits(embed: discord.Embed) -> None:
    assert len(embed.title or "") <= TITLE_CHARS
    assert len(embed.description or "") <= DESCRIPTION_CHARS
    assert len(embed.footer.text or "") <= FOOTER_CHARS
    assert len(embed.fields) <= MAX_FIELDS
    for f in embed.fields:
        assert 0 < len(f.name or "") <= FIELD_NAME_CHARS and 0 < len(f.value or "") <= FIELD_VALUE_CHARS
    assert len(embed) <= EMBED_CHARS


# -- the slash command and mentions, through the client ----------------------------------------------
def test_login_syncs_the_ask_slash_command(monkeypatch: pytest.MonkeyPatch) -> None:
    async def scenario(d: Discord) -> None:
        (synced,) = [body for method, path, body in d.rest.calls if method == "PUT"]
        (command,) = synced
        assert command["name"] == "ask" and command["options"][0]["name"] == "question"

    live(monkeypatch, scenario)


def test_login_logs_the_invite_link_with_the_permissions_answers_need(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("INFO", logger="bot.discord_app")
    live(monkeypatch, lambda d: asyncio.sleep(0))
    (url,) = re.findall(r"Add nervebot to a server with (\S+)", caplog.text)
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(url).query)
    assert query["client_id"] == [str(BOT_ID)] and query["scope"] == ["bot applications.commands"]
    granted = discord.Permissions(int(query["permissions"][0]))
    assert granted.embed_links and granted.send_messages and granted.read_message_history and granted.view_channel
    assert not (granted.administrator or granted.mention_everyone or granted.manage_messages)


def test_without_embed_links_a_mention_gets_a_note_on_the_permissions_not_silence(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    async def scenario(d: Discord) -> None:
        d.rest.missing_permissions = True
        d.gateway("MESSAGE_CREATE", message_event(f"<@{BOT_ID}> what causes foot drop?"))
        refused, note = await d.settle()
        assert refused["embeds"] and "message_reference" in refused  # the answer, refused with 403
        assert "Embed Links" in note["content"] and not note.get("embeds") and "message_reference" not in note
        assert_no_pings(note)

    live(monkeypatch, scenario)


def test_slash_ask_answers_with_an_embed_and_no_pings(monkeypatch: pytest.MonkeyPatch) -> None:
    async def scenario(d: Discord) -> None:
        sent = await d.slash("what causes foot drop?")
        assert sent["type"] == 4  # a channel message in response to the command
        assert_no_pings(sent)
        embed = embed_of(sent)
        assert "L5 nerve root" in embed["description"]
        assert embed["fields"][0]["name"].startswith("[1] ")
        assert "Injury of the L5 nerve root can cause" in embed["fields"][0]["value"]
        assert "Educational use only" in embed["footer"]["text"]

    live(monkeypatch, scenario)


def test_mention_is_answered_with_a_reply_and_no_pings(monkeypatch: pytest.MonkeyPatch) -> None:
    async def scenario(d: Discord) -> None:
        sent = await d.mention(f"<@{BOT_ID}> which nerve supplies the tibialis anterior?")
        assert_no_pings(sent)
        assert sent["message_reference"]["channel_id"] == CHANNEL
        assert "peroneal" in embed_of(sent)["description"]

    live(monkeypatch, scenario)


def test_direct_messages_need_no_mention_and_keep_a_conversation(monkeypatch: pytest.MonkeyPatch) -> None:
    async def scenario(d: Discord) -> None:
        sent = await d.mention("what does the tibialis posterior do?", channel=DM_CHANNEL, guild=None)
        assert_no_pings(sent)
        assert "invert" in embed_of(sent)["description"]
        follow = await d.slash("which nerve supplies it?", channel=DM_CHANNEL, guild=None)
        assert_no_pings(follow)
        assert "tibial nerve" in embed_of(follow)["description"]

    live(monkeypatch, scenario)


def test_other_messages_bots_and_everyone_pings_are_not_answered(monkeypatch: pytest.MonkeyPatch) -> None:
    async def scenario(d: Discord) -> None:
        d.gateway("MESSAGE_CREATE", message_event("what causes foot drop?"))
        d.gateway("MESSAGE_CREATE", message_event("@everyone what causes foot drop?"))
        d.gateway("MESSAGE_CREATE", message_event(f"<@{BOT_ID}> what causes foot drop?", is_bot=True))
        assert await d.settle() == []

    live(monkeypatch, scenario)


def test_everyone_in_a_question_does_not_ping(monkeypatch: pytest.MonkeyPatch) -> None:
    async def scenario(d: Discord) -> None:
        for sent in (
            await d.mention(f"<@{BOT_ID}> does @everyone or @here or <@{BEN}> supply the tibialis?"),
            await d.slash("what does @everyone <@&123456789012345678> supply?"),
        ):
            assert_no_pings(sent)
            embed = embed_of(sent)
            shown = " ".join([embed.get("title", ""), embed.get("description", "")])
            assert "@everyone" not in shown and "@here" not in shown and f"<@{BEN}>" not in shown

    live(monkeypatch, scenario)


def test_follow_up_is_read_in_that_users_conversation(monkeypatch: pytest.MonkeyPatch) -> None:
    async def scenario(d: Discord) -> None:
        first = await d.mention(f"<@{BOT_ID}> what does the tibialis posterior do?", author=ANN)
        assert "invert" in embed_of(first)["description"]
        follow = await d.slash("which nerve supplies it?", author=ANN)
        assert "tibial nerve" in embed_of(follow)["description"]
        other = await d.mention(f"<@{BOT_ID}> which nerve supplies it?", author=BEN)
        assert "tibial nerve" not in embed_of(other)["description"]

    live(monkeypatch, scenario)


def test_an_answer_whose_sources_overflow_one_embed_goes_on_in_more_messages(monkeypatch: pytest.MonkeyPatch) -> None:
    answer = Bot().ask("tell me about the L5 root")
    assert "More sources" in [f.name for f in to_discord_embed(answer).fields]  # one embed leaves some out

    def numbers(embeds: list[dict[str, Any]]) -> list[str]:
        return [f["name"].split()[0] for e in embeds for f in e.get("fields", []) if f["name"].startswith("[")]

    async def scenario(d: Discord) -> None:
        for ask, question in ((d.slash, "tell me about the L5 root"), (d.mention, f"<@{BOT_ID}> tell me about L5")):
            before = len(d.rest.sent())
            await ask(question)
            sent = (await d.settle())[before:]
            assert len(sent) > 1
            for body in sent:
                assert_no_pings(body)
                assert "Educational use only" in embed_of(body)["footer"]["text"]
            assert numbers([embed_of(b) for b in sent]) == [f"[{s.number}]" for s in answer.sources]
            assert "in the next message" in embed_of(sent[0])["fields"][-1]["value"]

    live(monkeypatch, scenario)


def test_sessions_are_per_guild_channel_and_user() -> None:
    keys = {session_id(g, c, u) for g in (1, None) for c in (2, 3) for u in (4, 5)}
    assert len(keys) == 8


# -- embeds within Discord's limits ------------------------------------------------------------------
def test_very_long_answer_with_many_sources_stays_within_embed_limits() -> None:
    answer = Bot().ask("what causes foot drop?")
    many = tuple(
        replace(answer.sources[0], number=n, title="T" * 400, sentence="weakness of the root " * 200)
        for n in range(1, 61)
    )
    huge = replace(
        answer,
        question="why? " * 200,
        text="The L5 root **supplies** <@123456789012345678> @everyone. " * 500,
        sources=many,
        notes=("a note " * 200,),
        disclaimer="Educational use only. " * 200,
    )
    embed = to_discord_embed(huge)
    assert_within_limits(embed)
    assert embed.description and embed.description.endswith("\u2026")
    assert embed.fields[-1].name == "More sources" and "more not shown" in (embed.fields[-1].value or "")
    embeds = to_discord_embeds(huge)
    assert len(embeds) == MAX_MESSAGES and embeds[0].to_dict() != embed.to_dict()
    for each in embeds:
        assert_within_limits(each)
        assert each.footer.text and each.footer.text.startswith("Educational use only.")
    shown = [f.name.split("]")[0] + "]" for e in embeds for f in e.fields if f.name and f.name.startswith("[")]
    hidden = int((embeds[-1].fields[-1].value or "").split()[1])
    assert shown == [f"[{n}]" for n in range(1, len(shown) + 1)] and len(shown) + hidden == len(many)
    assert embed.fields[0].name and embed.fields[0].name.startswith("[1] ")
    assert "@everyone" not in embed.description and "<@123456789012345678>" not in embed.description


@pytest.mark.parametrize("count", [0, 1, 24, 25, 26, 200])
def test_any_number_of_sources_fits(count: int) -> None:
    source = Source(1, "doc", "A title", "section", "level", "s1", "A sentence about the L5 root. " * 40)
    answer = Answer("answered", "x " * 3000, sources=tuple(replace(source, number=n) for n in range(1, count + 1)))
    embed = to_discord_embed(answer)
    assert_within_limits(embed)
    quoted = [f for f in embed.fields if f.name != "More sources"]
    assert len(quoted) + (count > len(quoted)) == len(embed.fields)
    if count:
        assert quoted, "at least one source is always shown"


def test_related_reading_is_labelled_as_not_an_answer() -> None:
    source = Bot().ask("what causes foot drop?").sources[0]
    answer = replace(Bot().ask("is the femoral nerve related to the quadriceps?"), related=(source,))
    embed = to_discord_embed(answer)
    assert embed.fields[0].name and embed.fields[0].name.endswith("(related reading)")
    assert "You could ask:" in (embed.description or "")


# -- the command -------------------------------------------------------------------------------------
def test_missing_token_says_so_in_one_line_and_exits_2(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("DISCORD_TOKEN", raising=False)
    assert run(argparse.Namespace(db=None)) == 2
    err = capsys.readouterr().err.strip()
    assert "DISCORD_TOKEN" in err and len(err.splitlines()) == 1


def test_no_network_is_one_line_not_a_traceback(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import bot.discord_app

    class Offline:
        def run(self, token: str, root_logger: bool = False) -> None:
            raise OSError("Cannot connect to host discord.com:443")  # aiohttp's connector errors are OSErrors

    monkeypatch.setenv("DISCORD_TOKEN", "token")
    monkeypatch.setattr(bot.discord_app, "create_client", lambda bot: Offline())
    assert run(argparse.Namespace(db=None)) == 1
    err = capsys.readouterr().err.strip()
    assert "cannot reach Discord" in err and len(err.splitlines()) == 1


def test_without_discord_py_the_command_names_the_extra(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setitem(sys.modules, "discord", None)  # what `import discord` sees when it is missing
    assert main(["discord"]) == 2
    assert "pip install -e '.[discord]'" in capsys.readouterr().err


def test_import_bot_and_its_discord_adapter_do_not_load_discord() -> None:
    code = "import sys, bot, bot.discord_app; print('discord' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert out.stdout.strip() == "False"
