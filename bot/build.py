"""`nervebot build`: turn sources/ and knowledge/ into facts.db, or check the committed one is current."""

from __future__ import annotations

import hashlib
import sqlite3
import tempfile
from dataclasses import dataclass
from pathlib import Path

import sqlite_utils

from .errors import KnowledgeError
from .knowledge import Knowledge, load
from .store import SCHEMA_VERSION


@dataclass(frozen=True)
class BuildReport:
    counts: dict[str, int]
    content_sentences: int
    covered: int
    uncovered: list[tuple[str, str]]  # (sentence id, text)

    @property
    def coverage(self) -> float:
        return self.covered / self.content_sentences if self.content_sentences else 1.0

    def lines(self) -> list[str]:
        counts = ", ".join(f"{n} {name}" for name, n in self.counts.items())
        out = [
            f"built: {counts}",
            f"coverage: {self.covered}/{self.content_sentences} content sentences are the source of a fact "
            f"({self.coverage:.0%})",
        ]
        out += [f"  no fact yet: {sid}  {text}" for sid, text in self.uncovered]
        return out


def _write(db: sqlite_utils.Database, k: Knowledge) -> None:
    db.execute("PRAGMA foreign_keys = ON")
    db.table("meta").insert_all(
        [{"key": "schema_version", "value": str(SCHEMA_VERSION)}, {"key": "inputs_sha256", "value": k.inputs_digest}],
        pk="key",
    )
    db.table("documents").insert_all(
        (
            {
                "id": d.id,
                "title": d.title,
                "date": d.date,
                "kind": d.kind,
                "origin": d.origin,
                "file": d.file,
                "sha256": hashlib.sha256(d.text.encode()).hexdigest(),
                "text": d.text,
            }
            for d in k.documents
        ),
        pk="id",
    )
    db.table("sections").insert_all(
        (
            {"id": s.id, "document_id": s.document_id, "label": s.label, "evidence": s.evidence}
            for d in k.documents
            for s in d.sections
        ),
        pk="id",
        foreign_keys=[("document_id", "documents", "id")],
    )
    db.table("sentences").insert_all(
        (
            {
                "id": s.id,
                "document_id": sec.document_id,
                "section_id": sec.id,
                "position": s.position,
                "heading": s.heading,
                "text": s.text,
                "refs": s.refs,
            }
            for sec, s in k.sentences()
        ),
        pk="id",
        foreign_keys=[("document_id", "documents", "id"), ("section_id", "sections", "id")],
    )
    db.table("sentences").enable_fts(["text"], fts_version="FTS5", tokenize="porter")
    db.table("entities").insert_all(
        ({"id": e.id, "type": e.type, "name": e.name, "description": e.description} for e in k.entities.values()),
        pk="id",
    )
    db.table("aliases").insert_all(
        (
            {"alias": key, "entity_id": ent_id, "written": written}
            for key, (ent_id, written) in sorted(k.aliases.items())
        ),
        pk="alias",
        foreign_keys=[("entity_id", "entities", "id")],
    )
    db.table("ambiguous_aliases").insert_all(
        ({"alias": key, "entity_id": ent_id} for key, ids in sorted(k.ambiguous.items()) for ent_id in ids),
        pk=("alias", "entity_id"),
        foreign_keys=[("entity_id", "entities", "id")],
    )
    db.table("homonyms").insert_all(
        ({"phrase": key, "explanation": why} for key, why in sorted(k.homonyms.items())), pk="phrase"
    )
    db.table("qualifiers").insert_all(({"name": q, "shown": shown} for q, shown in k.qualifiers.items()), pk="name")
    db.table("relations").insert_all(
        (
            {
                "name": r.name,
                "description": r.description,
                "subject_types": " ".join(r.subject_types),
                "object_types": " ".join(r.object_types),
                "reads": r.reads,
            }
            for r in k.relations.values()
        ),
        pk="name",
    )
    db.table("facts").insert_all(
        (
            {
                "id": f.id,
                "subject": f.subject,
                "relation": f.relation,
                "object": f.object,
                "qualifiers": " ".join(f.qualifiers),
                "negated": int("not" in f.qualifiers),
                "note": f.note,
                "claim": f.claim,
            }
            for f in k.facts.values()
        ),
        pk="id",
        foreign_keys=[("subject", "entities", "id"), ("relation", "relations", "name"), ("object", "entities", "id")],
    )
    db.table("fact_sources").insert_all(
        (
            {"fact_id": f.id, "sentence_id": s.sentence_id, "position": i, "quote": s.quote}
            for f in k.facts.values()
            for i, s in enumerate(f.sources)
        ),
        pk=("fact_id", "sentence_id"),
        foreign_keys=[("fact_id", "facts", "id"), ("sentence_id", "sentences", "id")],
    )
    db.table("conflicts").insert_all(
        ({"id": c.id, "fact_a": c.fact_a, "fact_b": c.fact_b, "note": c.note} for c in k.conflicts),
        pk="id",
        foreign_keys=[("fact_a", "facts", "id"), ("fact_b", "facts", "id")],
    )
    db.table("not_claims").insert_all(
        ({"sentence_id": sid, "reason": reason} for sid, reason in sorted(k.not_claims.items())),
        pk="sentence_id",
        foreign_keys=[("sentence_id", "sentences", "id")],
    )
    for table, columns in (
        ("facts", ["relation", "object"]),
        ("facts", ["relation", "subject"]),
        ("facts", ["subject"]),
        ("facts", ["object"]),
        ("fact_sources", ["sentence_id"]),
        ("aliases", ["entity_id"]),
        ("conflicts", ["fact_a"]),
        ("conflicts", ["fact_b"]),
        ("sentences", ["document_id", "position"]),
    ):
        db.table(table).create_index(columns)
    db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")


def _report(k: Knowledge) -> BuildReport:
    cited = {s.sentence_id for f in k.facts.values() for s in f.sources}
    content = [(sec, s) for sec, s in k.sentences() if s.id not in k.not_claims]
    uncovered = [(s.id, s.text) for _, s in content if s.id not in cited]
    counts = {
        "documents": len(k.documents),
        "sentences": len(k.sentences()),
        "entities": len(k.entities),
        "aliases": len(k.aliases),
        "facts": len(k.facts),
        "fact sources": sum(len(f.sources) for f in k.facts.values()),
        "conflicts": len(k.conflicts),
    }
    return BuildReport(counts, len(content), len(content) - len(uncovered), uncovered)


def build(root: Path, out: Path) -> BuildReport:
    """Check every input, then write facts.db atomically (a half-built file never replaces a good one)."""
    k = load(root)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    tmp.unlink(missing_ok=True)
    conn = sqlite3.connect(tmp)
    try:
        db = sqlite_utils.Database(conn)
        with conn:
            _write(db, k)
        conn.execute("VACUUM")
    finally:
        conn.close()
    tmp.replace(out)
    return _report(k)


def dump(path: Path) -> str:
    """A canonical text form of a facts.db, so two builds compare by content, not by bytes."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return "\n".join(conn.iterdump())
    except sqlite3.DatabaseError as exc:
        raise KnowledgeError(f"{path}: not a readable facts.db ({exc}); run `nervebot build`") from None
    finally:
        conn.close()


def check(root: Path, committed: Path) -> tuple[bool, BuildReport]:
    """Rebuild into a temporary file and compare it with `committed`."""
    with tempfile.TemporaryDirectory() as tmp:
        fresh = Path(tmp) / "facts.db"
        report = build(root, fresh)
        same = committed.exists() and dump(fresh) == dump(committed)
    return same, report
