"""`nervebot slack`: the bot in Slack, a thin slack-bolt adapter over `Bot.ask`.

`to_slack_messages(answer)` renders an Answer as chat.postMessage payloads within Slack's limits;
`create_app(bot, ...)` wires it into a slack-bolt App that answers mentions and direct messages in a
thread. slack-bolt is imported only inside functions, so `import bot` never loads it.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import re
import sys
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import TYPE_CHECKING, Any

from .answer import Answer, Source, follow_on, numbered

if TYPE_CHECKING:
    from slack_bolt import App, BoltContext
    from slack_bolt.request import BoltRequest
    from slack_bolt.response import BoltResponse
    from slack_sdk import WebClient

    from .core import Bot

# Slack's limits (https://docs.slack.dev/reference/block-kit): a message holds 50 blocks, a section's
# text 3000 characters, a context block 10 elements of at most 2000 characters each.
MAX_BLOCKS = 50
SECTION_CHARS = 3000
CONTEXT_ELEMENTS = 10
CONTEXT_CHARS = 2000
FALLBACK_CHARS = 3000
# Slack also refuses a message whose blocks are long in all (`msg_blocks_too_long`) and publishes no
# number for it: messages of about 13,200 characters have been refused, and Slack's staff speak of
# 12,000 characters of text with a buffer for the blocks around them (slackapi/bolt-js#2509, #2867).
# A message here holds at most MESSAGE_CHARS of text, counting BLOCK_CHARS more for each block;
# the sources that do not fit go on in the next message of the thread.
MESSAGE_CHARS = 12_000
BLOCK_CHARS = 100
MAX_MESSAGES = 4  # an answer's messages at most: past them, sources are counted, not shown
NEXT_NOTE_CHARS = 100  # kept free for the note on the sources in the next message
NOTE_CHARS = 500  # a note on how the question was read ("Read 'teh' as 'the'.") is a line
ANSWER_SECTIONS = 3  # a longer answer is cut, with an ellipsis, after this many sections
ELLIPSIS = "\u2026"
EXTRA_MESSAGE = "nervebot slack needs the Slack extra: in the checkout, pip install -e '.[slack]'"
MISSING_SOCKET = "nervebot slack: set SLACK_BOT_TOKEN and SLACK_APP_TOKEN (Socket Mode), or use --http"
MISSING_HTTP = "nervebot slack --http: set SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET"
SORRY = "Sorry, something went wrong on my side while answering; please try again in a moment."
# What the app needs: mentions in channels it is in, and direct messages (App Home's messages tab)
SCOPES = ("app_mentions:read", "chat:write", "im:history")
EVENTS = ("app_mention", "message.im")

log = logging.getLogger(__name__)
_ENTITY_TAIL = re.compile(r"&[a-z]{0,3}$")
# Slack's own markup in incoming text: <@U1>, <!here>, <#C1|general>, <https://x|label>
_MARKUP = re.compile(r"<([@#!]?)([^<>|]*)(?:\|([^<>]*))?>")


# -- rendering ---------------------------------------------------------------------------------------
def escape(text: str) -> str:
    """Slack's three control characters, escaped: `<!channel>` and `<@U1>` come out as plain text."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def fit(text: str, limit: int) -> str:
    """`text` escaped and, if longer than `limit`, cut at a word with an ellipsis (never mid-entity)."""
    out = escape(text)
    if len(out) <= limit:
        return out
    cut = out[: limit - len(ELLIPSIS)]
    space = cut.rfind(" ")
    if space > limit // 2:
        cut = cut[:space]
    return _ENTITY_TAIL.sub("", cut).rstrip() + ELLIPSIS


def _chunks(text: str, size: int, most: int) -> list[str]:
    """Escaped `text` in pieces of at most `size` characters split at spaces; cut after `most` pieces."""
    rest = escape(text)
    pieces: list[str] = []
    while rest and len(pieces) < most:
        if len(rest) <= size:
            pieces.append(rest)
            rest = ""
            break
        window = rest[: size - len(ELLIPSIS)] if len(pieces) == most - 1 else rest[:size]
        cut = window.rfind(" ")
        if cut <= size // 2:
            cut = len(_ENTITY_TAIL.sub("", window))
        pieces.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest:
        pieces[-1] += ELLIPSIS
    return pieces


def _mrkdwn(text: str) -> dict[str, Any]:
    # verbatim: Slack must not turn @here, #channel or URLs in the text into live links or mentions
    return {"type": "mrkdwn", "text": text, "verbatim": True}


def _context(*texts: str) -> dict[str, Any]:
    return {"type": "context", "elements": [_mrkdwn(t) for t in texts[:CONTEXT_ELEMENTS]]}


def _source_block(source: Source) -> dict[str, Any]:
    quote = fit(f"[{source.number}] \u201c{source.sentence}\u201d", CONTEXT_CHARS)
    where = fit(
        f"{source.title} ({source.document_id}), {source.section}; evidence: {source.evidence_level}", CONTEXT_CHARS
    )
    return _context(quote, where)


def _chars(blocks: list[dict[str, Any]]) -> int:
    """What blocks count against MESSAGE_CHARS: their text, and BLOCK_CHARS a block."""
    texts = [b["text"] for b in blocks if "text" in b] + [e for b in blocks for e in b.get("elements", ())]
    return BLOCK_CHARS * len(blocks) + sum(len(t["text"]) for t in texts)


def to_slack_messages(answer: Answer, most: int = MAX_MESSAGES) -> list[dict[str, Any]]:
    """chat.postMessage payloads (`text` and `blocks`) for an Answer, to post in order in its thread.

    The first holds the answer (split over a few sections if long) and a context block per quoted
    source, as many as Slack takes in one message; the sources left go on in the next messages, up
    to `most` in all, and any left after those are counted. Every message ends with the disclaimer,
    has its plain-text fallback in `text`, and is escaped throughout.
    """
    body = answer.text.strip()
    if answer.options:
        body += "\n" + "\n".join(f"{i}. {option}" for i, option in enumerate(answer.options, 1))
    quoted, label = answer.sources, ""
    if not quoted and answer.related:
        quoted, label = answer.related, "Related reading (not an answer):"
    extras: list[dict[str, Any]] = []
    if answer.notes:
        extras.append(_context(*(fit(note, NOTE_CHARS) for note in answer.notes)))
    if label:
        extras.append(_context(label))
    disclaimer = [_context(fit(answer.disclaimer, CONTEXT_CHARS))]
    tail = list(disclaimer)
    if answer.suggestions and not answer.answered:
        tail.insert(0, _context(fit("You could ask: " + " | ".join(answer.suggestions), CONTEXT_CHARS)))
    # the answer's sections get what the notes and the end of the message leave
    room = MESSAGE_CHARS - _chars(extras + tail) - BLOCK_CHARS
    size = min(SECTION_CHARS, room)
    sections = max(1, min(ANSWER_SECTIONS, (room + BLOCK_CHARS) // (size + BLOCK_CHARS)))
    head = [{"type": "section", "text": _mrkdwn(piece)} for piece in _chunks(body, size, sections)] + extras
    messages = [{"text": fit(body or answer.disclaimer, FALLBACK_CHARS), "blocks": head}]
    blocks, end, left = head, tail, list(quoted)
    while True:
        used = _chars([*blocks, *end]) + BLOCK_CHARS + NEXT_NOTE_CHARS  # and a note on what comes next
        taken = 0
        while left and len(blocks) + len(end) + 1 < MAX_BLOCKS:
            block = _source_block(left[0])
            used += _chars([block])
            if used > MESSAGE_CHARS and (taken or len(messages) == 1):  # (a next message takes one at least)
                break
            blocks.append(block)
            left.pop(0)
            taken += 1
        if left and len(messages) < most:
            blocks.append(_context(f"{_sources(left)} {follow_on(left)}"))
        elif left:
            hidden = len(left)
            blocks.append(_context(f"{ELLIPSIS}and {hidden} more source{'s' if hidden > 1 else ''} not shown here."))
            left = []
        blocks += end
        if not left:
            return messages
        what = " (related reading, not an answer)" if label else ""
        heading = f"{_sources(left)} {numbered(left)} of the answer above{what}:"
        blocks, end = [_context(heading)], disclaimer
        messages.append({"text": fit(heading, FALLBACK_CHARS), "blocks": blocks})


def _sources(sources: list[Source]) -> str:
    return "Source" if len(sources) == 1 else "Sources"


def to_slack_text(payload: dict[str, Any]) -> str:
    """A message of `to_slack_messages` as text alone, a line for each of its texts: the answer, its
    sources and the disclaimer, for when Slack will not take the blocks."""
    blocks = payload.get("blocks") or []
    # the answer's sections come first, and split it at spaces (`_chunks`)
    answer = " ".join(b["text"]["text"] for b in blocks if b["type"] == "section")
    lines = [answer] if answer else []
    lines += [e["text"] for b in blocks if b["type"] == "context" for e in b["elements"]]
    return "\n".join(lines) or str(payload["text"])


def to_slack_blocks(answer: Answer) -> dict[str, Any]:
    """An Answer as one chat.postMessage payload: the first of `to_slack_messages`, with any sources
    that do not fit in it counted rather than shown."""
    return to_slack_messages(answer, most=1)[0]


# -- the app -----------------------------------------------------------------------------------------
class Seen:
    """A bounded set of recently seen keys, thread-safe: `claim(key)` is True only the first time."""

    def __init__(self, size: int = 10_000) -> None:
        self.size = size
        self._keys: OrderedDict[Hashable, None] = OrderedDict()
        self._lock = threading.Lock()

    def claim(self, key: Hashable) -> bool:
        with self._lock:
            if key in self._keys:
                return False
            self._keys[key] = None
            while len(self._keys) > self.size:
                self._keys.popitem(last=False)
            return True


def question_from(text: str, bot_user_id: str | None) -> str:
    """The question in a Slack message: the bot's own mention dropped, Slack markup read as plain words."""

    def plain(m: re.Match[str]) -> str:
        sigil, target, label = m.group(1), m.group(2), m.group(3)
        if sigil == "@" and target == bot_user_id:
            return " "
        if label:
            return ("#" if sigil == "#" else "") + label
        return ("@" if sigil in ("@", "!") else sigil) + target

    text = _MARKUP.sub(plain, text)
    return " ".join(text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&").split())


def is_retry(request: BoltRequest) -> bool:
    """True for Slack's redelivery of an event it thinks we missed (X-Slack-Retry-Num 1, 2, ...).

    Socket Mode mirrors its `retry_attempt` into the same header, and sends 0 for a first delivery.
    """
    values = request.headers.get("x-slack-retry-num") or []
    return any(str(v).strip() not in ("", "0") for v in values)


def session_id(team: str | None, channel: str, thread: str, user: str) -> str:
    """One conversation per (team, channel, thread, user): follow-ups work and people never share one."""
    return f"slack:{team or '-'}:{channel}:{thread}:{user}"


def create_app(
    bot: Bot,
    *,
    token: str | None = None,
    signing_secret: str | None = None,
    client: WebClient | None = None,
    seen: Seen | None = None,
) -> App:
    """A slack-bolt App answering app mentions and direct messages in a thread, once per event.

    Pass `client` to point the Web API elsewhere (tests use a loopback server); the App calls
    `auth.test` once at creation to learn its own bot user.
    """
    from slack_bolt import App
    from slack_bolt.response import BoltResponse

    seen = seen or Seen()
    app = App(
        name="nervebot",
        token=None if client is not None else token,
        client=client,
        signing_secret=signing_secret or "",
    )

    def skip_retries(req: BoltRequest, resp: BoltResponse, next: Callable[[], BoltResponse]) -> BoltResponse:
        # Ack a retry, or an event already taken, without answering: Slack retries only what it has
        # delivered once, and that first delivery is the one that answers.
        event_id = req.body.get("event_id")
        if is_retry(req) or (event_id is not None and not seen.claim(("event", event_id))):
            return BoltResponse(status=200, body="")
        return next()

    def reply(event: dict[str, Any], context: BoltContext, client: WebClient) -> None:
        # Each question starts a thread (or continues the one it was asked in); the thread is the
        # conversation, so follow-ups go in the thread.
        channel, user, ts = event.get("channel"), event.get("user"), event.get("ts")
        thread = str(event.get("thread_ts") or ts)
        if not (channel and user and ts) or event.get("bot_id") or user == context.bot_user_id:
            return
        if not seen.claim(("message", context.team_id, channel, ts)):  # one message, two subscribed events
            return
        question = question_from(str(event.get("text") or ""), context.bot_user_id)
        try:
            answer = bot.ask(question, session=session_id(context.team_id, channel, thread, user))
            payloads = to_slack_messages(answer)
        except Exception:
            log.exception("nervebot could not answer in %s", channel)
            payloads = [{"text": SORRY}]
        for payload in payloads:
            if not _post(client, channel, thread, payload):
                break  # the messages after it would go on from a message that is not there

    def on_mention(event: dict[str, Any], context: BoltContext, client: WebClient) -> None:
        reply(event, context, client)

    def on_message(event: dict[str, Any], context: BoltContext, client: WebClient) -> None:
        # Channel messages reach the bot as app_mention; here only direct messages, and only new ones
        # (no edits, deletions or bot posts).
        if event.get("channel_type") == "im" and not event.get("subtype"):
            reply(event, context, client)

    app.middleware(skip_retries)
    app.event("app_mention")(on_mention)
    app.event("message")(on_message)
    return app


def _post(client: WebClient, channel: str, thread: str, payload: dict[str, Any]) -> bool:
    """Post one message in the thread; if Slack refuses its blocks, post it again as text alone.

    Slack refuses blocks for reasons it does not publish (`msg_blocks_too_long`) or that change with
    Slack (`invalid_blocks`), and a refused answer would leave the student with nothing.
    """
    from slack_sdk.errors import SlackApiError

    def post(text: str, blocks: list[dict[str, Any]] | None) -> None:
        client.chat_postMessage(
            channel=channel,
            thread_ts=thread,
            text=text,
            blocks=blocks,
            parse="none",
            link_names=False,
            unfurl_links=False,
            unfurl_media=False,
        )

    blocks = payload.get("blocks")
    try:
        post(payload["text"], blocks)
        return True
    except SlackApiError as exc:
        if not blocks:
            log.error("Slack refused a message in %s: %s", channel, exc.response.get("error"))
            return False
        log.warning(
            "Slack refused an answer's blocks in %s (%s); posting it as text", channel, exc.response.get("error")
        )
    try:
        post(to_slack_text(payload), None)
        return True
    except SlackApiError as exc:
        log.error("Slack refused an answer in %s, as text too: %s", channel, exc.response.get("error"))
        return False


def manifest(request_url: str = "") -> dict[str, Any]:
    """A Slack app manifest for nervebot (api.slack.com/apps > Create New App > From a manifest): Socket
    Mode, or the Events API at `request_url`."""
    events: dict[str, Any] = {"bot_events": list(EVENTS)}
    if request_url:
        events = {"request_url": request_url, **events}
    return {
        "display_information": {
            "name": "nervebot",
            "description": "Lumbosacral nerve-root anatomy, answered from quoted sources",
        },
        "features": {
            "bot_user": {"display_name": "nervebot", "always_online": True},
            "app_home": {
                "home_tab_enabled": False,
                "messages_tab_enabled": True,
                "messages_tab_read_only_enabled": False,
            },
        },
        "oauth_config": {"scopes": {"bot": list(SCOPES)}},
        "settings": {
            "event_subscriptions": events,
            "org_deploy_enabled": False,
            "socket_mode_enabled": not request_url,
            "token_rotation_enabled": False,
        },
    }


def run(args: argparse.Namespace) -> int:
    """Serve Slack: Socket Mode by default, the Events API over HTTP with `--http --port N`."""
    if getattr(args, "manifest", None) is not None:
        if args.manifest and not args.manifest.startswith("https://"):
            print("nervebot slack --manifest: Slack sends events only to an https:// URL", file=sys.stderr)
            return 2
        print(json.dumps(manifest(args.manifest), indent=2))
        return 0
    try:
        import slack_bolt  # noqa: F401
    except ImportError:
        print(EXTRA_MESSAGE, file=sys.stderr)
        return 2
    from slack_bolt.error import BoltError

    from .core import Bot

    http = bool(getattr(args, "http", False))
    needed = ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET") if http else ("SLACK_BOT_TOKEN", "SLACK_APP_TOKEN")
    if not all(os.environ.get(name) for name in needed):
        print(MISSING_HTTP if http else MISSING_SOCKET, file=sys.stderr)
        return 2
    bot = Bot(db=args.db or None)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        app = create_app(
            bot, token=os.environ["SLACK_BOT_TOKEN"], signing_secret=os.environ.get("SLACK_SIGNING_SECRET")
        )
        if http:
            app.start(port=args.port)
        else:
            from slack_bolt.adapter.socket_mode import SocketModeHandler

            SocketModeHandler(app, os.environ["SLACK_APP_TOKEN"]).start()  # type: ignore[no-untyped-call]
    except BoltError as exc:
        print(f"nervebot slack: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:  # no network, DNS, a refused or dropped connection, a port in use
        print(f"nervebot slack: cannot reach Slack or open the port ({exc}); check the network", file=sys.stderr)
        return 1
    return 0
