"""The Slack adapter through the real slack-bolt App: signed HTTP requests in, a loopback Web API out.

Events reach the App over real HTTP (slack-bolt's WSGI adapter served by wsgiref on 127.0.0.1) with
real v0 HMAC signatures; the App's WebClient talks to a mock Slack Web API on 127.0.0.1 that answers
auth.test and records chat.postMessage. No tokens, nothing leaves the machine.
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import json
import re
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk import WebClient

from bot import Answer, Bot, Source
from bot.cli import main
from bot.slack_app import (
    BLOCK_CHARS,
    CONTEXT_CHARS,
    CONTEXT_ELEMENTS,
    MAX_BLOCKS,
    MAX_MESSAGES,
    MESSAGE_CHARS,
    SECTION_CHARS,
    create_app,
    escape,
    fit,
    question_from,
    run,
    to_slack_blocks,
    to_slack_messages,
    to_slack_text,
)

SECRET = "test-signing-secret"
BOT_USER = "UBOT"
LIVE_MENTION = re.compile(r"<[!@#]")
# Slack refuses a message whose blocks hold more text than this, though no page says so: Slack's staff
# speak of 12,000 characters with a buffer for the blocks (slackapi/bolt-js#2867). The mock does too.
SLACK_REFUSES = 12_000


# -- a mock Slack Web API on loopback --------------------------------------------------------------
@dataclass
class WebApi:
    """Records each Web API call the App makes: (method, arguments)."""

    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    changed: threading.Condition = field(default_factory=threading.Condition)
    refuse_blocks: str = ""  # an error to refuse every message with blocks with ("invalid_blocks")
    refuse_text: str = ""  # ... and every message of text alone

    def posts(self) -> list[dict[str, Any]]:
        with self.changed:
            return [args for method, args in self.calls if method == "chat.postMessage"]

    def wait_for_posts(self, count: int, timeout: float = 10) -> list[dict[str, Any]]:
        with self.changed:
            self.changed.wait_for(lambda: len(self.posts()) >= count, timeout)
        return self.posts()


def _block_chars(blocks: str | list[dict[str, Any]] | None) -> int:
    """The text in a message's blocks, as Slack counts it for `msg_blocks_too_long`."""
    blocks = json.loads(blocks) if isinstance(blocks, str) else blocks or []
    return sum(len(t) for t in texts(blocks))


def _serve_web_api(api: WebApi) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            method = self.path.rstrip("/").rsplit("/", 1)[-1]
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
            if "json" in (self.headers.get("Content-Type") or ""):
                args = json.loads(raw or "{}")
            else:
                args = dict(urllib.parse.parse_qsl(raw))
            with api.changed:
                api.calls.append((method, args))
                api.changed.notify_all()
            if method == "auth.test":
                reply = {"ok": True, "team_id": "T1", "user_id": BOT_USER, "bot_id": "BBOT", "user": "nervebot"}
            elif method == "chat.postMessage" and _block_chars(args.get("blocks")) > SLACK_REFUSES:
                reply = {"ok": False, "error": "msg_blocks_too_long"}
            elif method == "chat.postMessage" and (api.refuse_blocks if args.get("blocks") else api.refuse_text):
                reply = {"ok": False, "error": api.refuse_blocks if args.get("blocks") else api.refuse_text}
            elif method == "chat.postMessage":
                reply = {"ok": True, "channel": args.get("channel"), "ts": f"{time.time():.6f}"}
            else:
                reply = {"ok": False, "error": "unknown_method"}
            data = json.dumps(reply).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return ThreadingHTTPServer(("127.0.0.1", 0), Handler)


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@dataclass
class Slack:
    """The App served on loopback, and what it posted to the Web API."""

    app: App
    url: str
    api: WebApi
    events: int = 0

    def send(self, body: str, *, headers: dict[str, str] | None = None, timestamp: float | None = None) -> int:
        """POST a signed request; return the HTTP status the App answered with."""
        signed = sign(body, int(time.time() if timestamp is None else timestamp))
        request = urllib.request.Request(self.url, body.encode(), {**signed, **(headers or {})}, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                status: int = response.status
        except urllib.error.HTTPError as error:
            status = error.code
            error.close()
        return status

    def ask(self, text: str, **event: Any) -> dict[str, Any]:
        """Mention the bot and wait for its reply."""
        before = len(self.api.posts())
        assert self.send(event_body(text, **event)) == 200
        posts = self.api.wait_for_posts(before + 1)
        assert len(posts) == before + 1, "the bot did not answer"
        return posts[-1]

    def drain(self) -> list[dict[str, Any]]:
        """Wait until every acknowledged event has been handled; then return everything posted."""
        self.app.listener_runner.listener_executor.shutdown(wait=True)
        return self.api.posts()


def sign(body: str, timestamp: int, secret: str = SECRET) -> dict[str, str]:
    """Slack's v0 request signature: HMAC-SHA256 over 'v0:{timestamp}:{body}'."""
    digest = hmac.new(secret.encode(), f"v0:{timestamp}:{body}".encode(), hashlib.sha256).hexdigest()
    return {
        "Content-Type": "application/json",
        "X-Slack-Request-Timestamp": str(timestamp),
        "X-Slack-Signature": f"v0={digest}",
    }


_ids = iter(range(1, 1_000_000))


def event_body(
    text: str,
    *,
    user: str = "U1",
    channel: str = "C1",
    ts: str | None = None,
    thread_ts: str | None = None,
    event_id: str | None = None,
    kind: str = "app_mention",
    mention: bool = True,
    **extra: Any,
) -> str:
    n = next(_ids)
    ts = ts or f"1700000000.{n:06d}"
    event = {
        "type": kind,
        "user": user,
        "text": f"<@{BOT_USER}> {text}" if mention else text,
        "ts": ts,
        "channel": channel,
        "event_ts": ts,
        **({"thread_ts": thread_ts} if thread_ts else {}),
        **extra,
    }
    return json.dumps(
        {
            "token": "legacy",
            "team_id": "T1",
            "api_app_id": "A1",
            "event": event,
            "type": "event_callback",
            "event_id": event_id or f"Ev{n:08d}",
            "event_time": 1700000000,
        }
    )


@pytest.fixture
def slack(monkeypatch: pytest.MonkeyPatch) -> Iterator[Slack]:
    for name in ("SLACK_CLIENT_ID", "SLACK_CLIENT_SECRET", "SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET"):
        monkeypatch.delenv(name, raising=False)
    api = WebApi()
    web = _serve_web_api(api)
    threading.Thread(target=web.serve_forever, args=(0.02,), daemon=True).start()
    client = WebClient(token="xoxb-test", base_url=f"http://127.0.0.1:{web.server_address[1]}/api/")
    app = create_app(Bot(), signing_secret=SECRET, client=client)
    events: WSGIServer = make_server("127.0.0.1", 0, SlackRequestHandler(app), handler_class=_QuietHandler)
    threading.Thread(target=events.serve_forever, args=(0.02,), daemon=True).start()
    try:
        yield Slack(app, f"http://127.0.0.1:{events.server_address[1]}/slack/events", api)
    finally:
        events.shutdown()
        events.server_close()
        app.listener_runner.listener_executor.shutdown(wait=True)
        web.shutdown()
        web.server_close()


def texts(blocks: list[dict[str, Any]]) -> list[str]:
    """Every text object's text, in order."""
    out = []
    for block in blocks:
        if "text" in block:
            out.append(block["text"]["text"])
        out += [element["text"] for element in block.get("elements", [])]
    return out


def assert_within_limits(payload: dict[str, Any]) -> None:
    blocks = payload["blocks"]
    assert 1 <= len(blocks) <= MAX_BLOCKS
    assert len(blocks) * BLOCK_CHARS + sum(len(t) for t in texts(blocks)) <= MESSAGE_CHARS
    assert 0 < len(payload["text"]) <= 3000
    for block in blocks:
        if block["type"] == "section":
            assert 0 < len(block["text"]["text"]) <= SECTION_CHARS
        else:
            assert block["type"] == "context"
            assert 1 <= len(block["elements"]) <= CONTEXT_ELEMENTS
            assert all(0 < len(e["text"]) <= CONTEXT_CHARS for e in block["elements"])
    for text in [payload["text"], *texts(blocks)]:
        assert not LIVE_MENTION.search(text), text


# -- answering ---------------------------------------------------------------------------------------
def test_mention_is_answered_in_a_thread_with_sources_and_disclaimer(slack: Slack) -> None:
    post = slack.ask("what causes foot drop?", ts="1700000001.000100")
    assert post["channel"] == "C1"
    assert post["thread_ts"] == "1700000001.000100"
    assert "L5 nerve root" in post["text"]
    blocks = post["blocks"]
    assert blocks[0]["type"] == "section" and blocks[0]["text"]["text"] == post["text"]
    quotes = [t for t in texts(blocks) if t.startswith("[1] ")]
    assert quotes and "Injury of the L5 nerve root can cause" in quotes[0]
    assert blocks[-1]["type"] == "context" and "Educational use only" in blocks[-1]["elements"][0]["text"]
    assert post["parse"] == "none" and post["link_names"] is False and post["unfurl_links"] is False


def test_mention_inside_a_thread_answers_in_that_thread(slack: Slack) -> None:
    post = slack.ask("what causes foot drop?", thread_ts="1700000002.000100")
    assert post["thread_ts"] == "1700000002.000100"


def test_direct_message_is_answered_without_a_mention(slack: Slack) -> None:
    question = "which nerve supplies the tibialis anterior?"
    post = slack.ask(question, kind="message", channel="D1", channel_type="im", mention=False)
    assert post["channel"] == "D1" and "peroneal" in post["text"]


def test_edits_bot_posts_and_channel_chatter_are_not_answered(slack: Slack) -> None:
    for extra in (
        {"channel": "D1", "channel_type": "im", "subtype": "message_changed"},
        {"channel": "D1", "channel_type": "im", "bot_id": "BOTHER"},
        {"channel": "C1", "channel_type": "channel"},
    ):
        assert slack.send(event_body("what causes foot drop?", kind="message", mention=False, **extra)) == 200
    assert slack.drain() == []


def test_url_verification_challenge_is_echoed(slack: Slack) -> None:
    body = json.dumps({"token": "legacy", "challenge": "abc123", "type": "url_verification"})
    request = urllib.request.Request(slack.url, body.encode(), sign(body, int(time.time())), method="POST")
    with urllib.request.urlopen(request, timeout=10) as response:
        assert json.loads(response.read())["challenge"] == "abc123"


# -- refusing and deduplicating ----------------------------------------------------------------------
def test_bad_signature_is_refused_with_401(slack: Slack) -> None:
    body = event_body("what causes foot drop?")
    forged = sign(body, int(time.time()), secret="not-the-secret")
    assert slack.send(body, headers=forged) == 401
    assert slack.drain() == []


def test_stale_timestamp_is_refused_with_401(slack: Slack) -> None:
    assert slack.send(event_body("what causes foot drop?"), timestamp=time.time() - 10 * 60) == 401
    assert slack.drain() == []


def test_retry_is_acknowledged_but_not_answered_twice(slack: Slack) -> None:
    body = event_body("what causes foot drop?", event_id="EvRetried")
    assert slack.send(body) == 200
    slack.api.wait_for_posts(1)
    for attempt in ("1", "2"):
        headers = {"X-Slack-Retry-Num": attempt, "X-Slack-Retry-Reason": "http_timeout"}
        assert slack.send(body, headers=headers) == 200
    assert len(slack.drain()) == 1


def test_retry_header_alone_is_never_answered(slack: Slack) -> None:
    # Slack only retries what it already sent once: the first delivery answers, never the retry.
    assert slack.send(event_body("what causes foot drop?"), headers={"X-Slack-Retry-Num": "1"}) == 200
    assert slack.drain() == []


def test_same_event_delivered_twice_is_answered_once(slack: Slack) -> None:
    body = event_body("what causes foot drop?", event_id="EvTwice")
    assert slack.send(body) == 200
    assert slack.send(body) == 200
    assert len(slack.drain()) == 1


# -- escaping and limits -----------------------------------------------------------------------------
def test_channel_and_user_pings_in_a_question_come_out_inert(slack: Slack) -> None:
    post = slack.ask("what does <!channel> <!here> <@U999> @everyone supply?")
    assert_within_limits(post)
    raw = json.dumps(post)
    assert "<!" not in raw and "<@" not in raw
    assert all(e["verbatim"] for b in post["blocks"] for e in [b.get("text") or {}, *b.get("elements", [])] if e)
    assert post["parse"] == "none" and post["link_names"] is False


def test_echoed_markup_is_escaped_in_every_block() -> None:
    hostile = "<!channel> <@U123> <!subteam^S1|@team> & <https://evil.example|click>"
    source = Source(1, "doc", hostile, hostile, hostile, "s1", hostile)
    answer = Answer("answered", hostile, sources=(source,), notes=(hostile,), disclaimer=hostile)
    payload = to_slack_blocks(answer)
    assert payload["text"].startswith("&lt;!channel&gt; &lt;@U123&gt;")
    for text in [payload["text"], *texts(payload["blocks"])]:
        assert not LIVE_MENTION.search(text) and ">" not in text and "& " not in text


def test_very_long_answers_stay_within_slack_limits() -> None:
    answer = Bot().ask("what causes foot drop?")
    many = tuple(replace(answer.sources[0], number=n, sentence="nerve & <root> " * 400) for n in range(1, 121))
    huge = replace(
        answer,
        text="The L5 root <@U1> & more. " * 2000,
        sources=many,
        notes=tuple(f"note {n} " * 300 for n in range(15)),
        options=tuple(f"option {n}" for n in range(40)),
        disclaimer="Educational use only. " * 200,
    )
    payload = to_slack_blocks(huge)
    assert_within_limits(payload)
    sections = [b["text"]["text"] for b in payload["blocks"] if b["type"] == "section"]
    assert sections[-1].endswith("\u2026")  # the answer is cut, visibly
    assert "more sources not shown" in texts(payload["blocks"])[-2]
    assert "Educational use only." in texts(payload["blocks"])[-1]
    messages = to_slack_messages(huge)
    assert len(messages) == MAX_MESSAGES and messages[0] != payload
    for message in messages:
        assert_within_limits(message)
        assert "Educational use only." in texts(message["blocks"])[-1]
    shown = [int(t[1 : t.index("]")]) for m in messages for t in texts(m["blocks"]) if re.match(r"\[\d+\] \u201c", t)]
    hidden = int(re.search(r"and (\d+) more sources not shown", texts(messages[-1]["blocks"])[-2])[1])
    assert shown == list(range(1, len(shown) + 1)) and len(shown) + hidden == len(many)


def test_an_answer_whose_sources_overflow_one_message_goes_on_in_the_thread(slack: Slack) -> None:
    question = (
        "the blog says L5 dorsiflexes the ankle but the 2025 page says L5 roots are plantar flexion?? im confused"
    )
    answer = Bot().ask(question)
    assert len(answer.sources) > 20 and _block_chars(to_slack_messages(answer, most=100)[0]["blocks"]) > 9000
    before = len(slack.api.posts())
    assert slack.send(event_body(question, ts="1700000002.000100")) == 200
    posts = slack.drain()[before:]
    assert len(posts) == 2 and all(p["thread_ts"] == "1700000002.000100" for p in posts)
    shown = [t for p in posts for t in texts(p["blocks"]) if re.match(r"\[\d+\] \u201c", t)]
    assert [t[: t.index("]") + 1] for t in shown] == [f"[{s.number}]" for s in answer.sources]
    assert "follow in the next message" in texts(posts[0]["blocks"])[-2]
    assert posts[1]["text"].startswith("Sources [") and posts[1]["text"].endswith("of the answer above:")
    for post in posts:
        assert_within_limits(post)
        assert "Educational use only" in texts(post["blocks"])[-1]


def test_an_answer_whose_blocks_slack_refuses_is_posted_as_text_with_every_source(slack: Slack) -> None:
    question = "the blog says L5 dorsiflexes the ankle but the 2025 page says L5 roots are plantar flexion??"
    answer = Bot().ask(question)
    slack.api.refuse_blocks = "invalid_blocks"
    before = len(slack.api.posts())
    assert slack.send(event_body(question, ts="1700000003.000100")) == 200
    posts = slack.drain()[before:]
    # each message is tried with its blocks, refused, and posted again as text, in order
    assert [bool(p.get("blocks")) for p in posts] == [True, False, True, False]
    sent = [p["text"] for p in posts if not p.get("blocks")]
    assert all(p["thread_ts"] == "1700000003.000100" for p in posts)
    marks = re.findall(r"^\[(\d+)\] \u201c", "\n".join(sent), re.MULTILINE)
    assert marks == [str(s.number) for s in answer.sources]
    for source in answer.sources:
        assert escape(source.sentence) in "\n".join(sent)
    for text in sent:
        assert text.endswith(answer.disclaimer) and not LIVE_MENTION.search(text)
    assert sent[0].startswith(escape(answer.text)[:200])


def test_when_slack_refuses_an_answer_as_text_too_the_rest_is_not_posted(
    slack: Slack, caplog: pytest.LogCaptureFixture
) -> None:
    slack.api.refuse_blocks = slack.api.refuse_text = "not_in_channel"
    question = "the blog says L5 dorsiflexes the ankle but the 2025 page says L5 roots are plantar flexion??"
    assert len(to_slack_messages(Bot().ask(question))) == 2
    assert slack.send(event_body(question)) == 200
    posts = slack.drain()
    assert [bool(p.get("blocks")) for p in posts] == [True, False]  # the second message never follows the first
    assert "refused an answer in C1, as text too: not_in_channel" in caplog.text


def test_text_of_a_message_has_each_of_its_texts_on_a_line() -> None:
    answer = Bot().ask("which nerve supplies the tibialis anterior?")
    (message,) = to_slack_messages(answer)
    lines = to_slack_text(message).split("\n")
    assert lines[0] == escape(answer.text.strip()) and lines[-1] == answer.disclaimer
    assert lines[1] == f"[1] \u201c{escape(answer.sources[0].sentence)}\u201d"
    assert len(lines) == 2 + 2 * len(answer.sources)


def test_no_answer_shows_related_reading_and_suggestions() -> None:
    source = Bot().ask("what causes foot drop?").sources[0]
    answer = Bot().ask("is the femoral nerve related to the quadriceps?")
    assert answer.status == "no_answer"
    payload = to_slack_blocks(replace(answer, related=(source,)))
    assert_within_limits(payload)
    shown = texts(payload["blocks"])
    assert "Related reading (not an answer):" in shown
    assert any(t.startswith("[1] \u201cInjury of the L5") for t in shown)
    assert any(t.startswith("You could ask: what causes foot drop?") for t in shown)


@settings(max_examples=300, derandomize=True, database=None, deadline=None)
@given(st.text(alphabet=st.sampled_from("ab <>&!@#|;amplgt\u2026 "), max_size=400), st.integers(5, 300))
def test_fit_never_exceeds_its_limit_or_leaves_markup(text: str, limit: int) -> None:
    out = fit(text, limit)
    assert len(out) <= limit
    assert "<" not in out and ">" not in out
    assert out == escape(text) or out.endswith("\u2026")


def test_question_from_drops_the_bots_mention_and_reads_markup_as_words() -> None:
    text = "<@UBOT> what about <!channel>, <@U1|ann> &amp; <https://x.example|the link> &lt;b&gt;"
    assert question_from(text, "UBOT") == "what about @channel, ann & the link <b>"


# -- sessions ----------------------------------------------------------------------------------------
def test_follow_up_in_a_thread_uses_that_users_conversation(slack: Slack) -> None:
    first = slack.ask("what does the tibialis posterior do?", user="U1", ts="1700000010.000100")
    assert "invert" in first["text"]
    follow = slack.ask("which nerve supplies it?", user="U1", thread_ts="1700000010.000100")
    assert "tibial nerve" in follow["text"]
    other = slack.ask("which nerve supplies it?", user="U2", thread_ts="1700000010.000100")
    assert "tibial nerve" not in other["text"]
    assert other["thread_ts"] == "1700000010.000100"


# -- the command -------------------------------------------------------------------------------------
def test_missing_tokens_name_the_variables_and_exit_2(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for name in ("SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "SLACK_SIGNING_SECRET"):
        monkeypatch.delenv(name, raising=False)
    assert run(argparse.Namespace(http=False, port=3000, db=None)) == 2
    err = capsys.readouterr().err
    assert "SLACK_BOT_TOKEN" in err and "SLACK_APP_TOKEN" in err and len(err.strip().splitlines()) == 1
    assert main(["slack", "--http", "--port", "3999"]) == 2
    err = capsys.readouterr().err
    assert "SLACK_BOT_TOKEN" in err and "SLACK_SIGNING_SECRET" in err and len(err.strip().splitlines()) == 1


def test_no_network_is_one_line_not_a_traceback(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import urllib.error

    import bot.slack_app

    def offline(*args: object, **kwargs: object) -> None:
        raise urllib.error.URLError("[Errno -2] Name or service not known")  # what slack_sdk raises offline

    for name in ("SLACK_BOT_TOKEN", "SLACK_APP_TOKEN"):
        monkeypatch.setenv(name, "xoxb-test")
    monkeypatch.setattr(bot.slack_app, "create_app", offline)
    assert run(argparse.Namespace(http=False, port=3000, db=None)) == 1
    err = capsys.readouterr().err.strip()
    assert "cannot reach Slack" in err and "Name or service not known" in err and len(err.splitlines()) == 1


def test_without_slack_bolt_the_command_names_the_extra(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setitem(sys.modules, "slack_bolt", None)  # what `import slack_bolt` sees when it is missing
    assert main(["slack"]) == 2
    assert "pip install -e '.[slack]'" in capsys.readouterr().err


def test_manifest_sets_up_mentions_and_direct_messages_without_slack_bolt_installed(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setitem(sys.modules, "slack_bolt", None)  # a course team may print it before installing
    assert main(["slack", "--manifest"]) == 0
    app = json.loads(capsys.readouterr().out)
    assert (
        app["settings"]["socket_mode_enabled"] is True and "request_url" not in app["settings"]["event_subscriptions"]
    )
    assert set(app["settings"]["event_subscriptions"]["bot_events"]) == {"app_mention", "message.im"}
    assert set(app["oauth_config"]["scopes"]["bot"]) == {"app_mentions:read", "chat:write", "im:history"}
    assert app["features"]["app_home"]["messages_tab_enabled"] is True  # or nobody can write to it directly


def test_manifest_for_the_events_api_names_its_https_url(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["slack", "--manifest", "https://bot.example.org/slack/events"]) == 0
    settings = json.loads(capsys.readouterr().out)["settings"]
    assert settings["socket_mode_enabled"] is False
    assert settings["event_subscriptions"]["request_url"] == "https://bot.example.org/slack/events"
    assert main(["slack", "--manifest", "bot.example.org"]) == 2
    assert "https://" in capsys.readouterr().err


def test_import_bot_and_its_slack_adapter_do_not_load_slack_bolt() -> None:
    code = "import sys, bot, bot.slack_app; print(sorted(m for m in ('slack_bolt', 'slack_sdk') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert out.stdout.strip() == "[]"
