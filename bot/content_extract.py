"""Babel extractor for the activity YAML files (registered as ``playtalk_yaml``).

Translators get every activity text in content.pot with the activity id and
field as a comment, so they see where a sentence will appear.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping
from typing import IO, Any

import yaml

from bot.content import parse_activity

ExtractResult = tuple[int, str | None, str | tuple[str, ...], list[str]]


def extract_yaml(
    fileobj: IO[bytes],
    keywords: Mapping[str, Any],
    comment_tags: Collection[str],
    options: Mapping[str, Any],
) -> Iterator[ExtractResult]:
    name = getattr(fileobj, "name", "activity.yaml")
    data = yaml.safe_load(fileobj.read().decode("utf-8"))
    activity, _ = parse_activity(data, str(name))
    if activity is None:
        # Babel should not fail a whole extraction on one file; the content check reports it.
        return
    fields: list[tuple[str, str]] = [("title", activity.title)]
    fields += [("resources", r) for r in activity.resources]
    fields.append(("do", activity.do))
    fields += [("say", s) for s in activity.say]
    fields += [("why", activity.why), ("grow", activity.grow)]
    for lineno, (field, text) in enumerate(fields, start=1):
        comments = [f"{activity.id} {field}"]
        if "{child}" in text:
            comments.append("keep {child}: it becomes the child's name")
        yield lineno, None, text, comments
