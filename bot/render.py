"""Plain-text rendering of an Answer, shared by `nervebot ask` and the chat when it is piped."""

from __future__ import annotations

import textwrap

from .answer import Answer, Source

WIDTH = 100


def source_lines(source: Source, indent: str = "    ", told: set[str] | None = None) -> list[str]:
    """A quoted source; its section's evidence level only the first time the section comes up (`told`)."""
    head = f"[{source.number}] "
    quote = textwrap.fill(
        f"\u201c{source.sentence}\u201d", WIDTH, initial_indent=head, subsequent_indent=" " * len(head)
    )
    where = f"{indent}{source.title} ({source.document_id}), {source.section}"
    if told is None or source.section not in told:
        where += f"; evidence: {source.evidence_level}"
        if told is not None:
            told.add(source.section)
    return [quote, textwrap.fill(where, WIDTH, subsequent_indent=indent)]


def to_text(answer: Answer) -> str:
    """The answer, its quoted sources, suggestions and the disclaimer, as plain text."""
    out = [textwrap.fill(answer.text, WIDTH)]
    out += [f"({note})" for note in answer.notes]
    if answer.options:
        out += [f"  {i}. {option}" for i, option in enumerate(answer.options, 1)]
    if answer.sources:
        out.append("")
        out.append("Sources:")
        told: set[str] = set()
        for source in answer.sources:
            out += source_lines(source, told=told)
    if answer.related:
        out.append("")
        out.append("Related reading (not an answer):")
        for source in answer.related:
            out += source_lines(source)
    if answer.suggestions and answer.status != "answered":
        out.append("")
        out.append("You could ask: " + " | ".join(answer.suggestions))
    out.append("")
    out.append(textwrap.fill(answer.disclaimer, WIDTH))
    return "\n".join(out)
