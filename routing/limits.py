"""Caps on every string, list and map the outside world sends: escalations with their context
packet, and agents. One place, each with why; :mod:`routing.schemas` turns them into pydantic
constraints, so they are enforced at the boundary and documented in the OpenAPI schema.

The caps are generous for real traffic and small enough that one request cannot cost the
service more than a few milliseconds of routing or a few megabytes of memory. The service adds
a cap on the whole request body (``HANDOFF_LIMITS__MAX_BODY_BYTES``, 1 MiB by default), so the
sum of the parts stays bounded even where each part is at its cap.

:func:`json_tree_problem` walks free-form JSON (the account data) without recursion, so a
structure nested deeper than the cap is refused without ever growing the stack.

Standard library only: the routing core, the CLI and the service share it.
"""

from __future__ import annotations

import math
from typing import Any

__all__ = [
    "ACCOUNT_DEPTH",
    "ACCOUNT_ITEMS",
    "ACCOUNT_KEYS",
    "ACCOUNT_KEY_CHARS",
    "ACCOUNT_STRING_CHARS",
    "ACTIONS_TRIED",
    "ACTION_CHARS",
    "AGENT_LANGUAGES",
    "AGENT_NAME_CHARS",
    "AGENT_REGIONS",
    "AGENT_SKILLS",
    "BREAKS_PER_SHIFT",
    "CLOCK_CHARS",
    "DAY_ITEMS",
    "ESCALATION_SKILLS",
    "INTENT_CHARS",
    "NAME_CHARS",
    "REASON_CHARS",
    "SENTIMENT_POINTS",
    "SHIFTS_PER_AGENT",
    "SUMMARY_CHARS",
    "TRANSCRIPT_TURNS",
    "TURN_CHARS",
    "json_tree_problem",
]

# ---------------------------------------------------------------------------- names
#: Skill, language and region names, ids in files: a name, not a text.
NAME_CHARS = 200
#: An agent's display name: a person's full name with room to spare.
AGENT_NAME_CHARS = 200
#: ``HH:MM`` of a shift or a break.
CLOCK_CHARS = 5

# ---------------------------------------------------------------------------- escalation
#: Required skills, and preferred skills, each: routing rules name a handful; every skill is a
#: column of the eligibility matrix of every decision (50,000 of them took 0.5 s to route).
ESCALATION_SKILLS = 20

# ---------------------------------------------------------------------------- context packet
#: Transcript turns: a long chat runs to 100-200 turns; voice transcripts cut by utterance run
#: longer. An agent reads the summary, not 500 turns.
TRANSCRIPT_TURNS = 500
#: One turn's text: a long e-mail pasted into a chat.
TURN_CHARS = 20_000
#: The AI's summary for the agent: a few paragraphs at most (a 100 MB summary took 1 GB of memory).
SUMMARY_CHARS = 10_000
#: The intent: a label such as ``refund`` or ``cancel_subscription``.
INTENT_CHARS = 200
#: Why the AI escalated: a sentence or two.
REASON_CHARS = 2_000
#: Sentiment points: one per turn at most.
SENTIMENT_POINTS = TRANSCRIPT_TURNS
#: Actions the AI tried, and the length of each: a short list of sentences.
ACTIONS_TRIED = 50
ACTION_CHARS = 1_000
#: Account data: CRM fields nest a few levels (account -> subscription -> invoice -> line); an
#: account nested 300 levels deep broke serialisation.
ACCOUNT_DEPTH = 8
#: Keys of any one map in the account data.
ACCOUNT_KEYS = 100
#: Every key and list item at every level of the account data together: a customer record, not
#: a database export.
ACCOUNT_ITEMS = 2_000
#: One key of the account data.
ACCOUNT_KEY_CHARS = 200
#: One string of the account data: a note or an address, not a document.
ACCOUNT_STRING_CHARS = 10_000

# ---------------------------------------------------------------------------- agent
#: Skills of one agent: a generalist in a large catalogue; each is checked on every decision.
AGENT_SKILLS = 100
#: Languages an agent works in.
AGENT_LANGUAGES = 20
#: Regions an agent may serve (data residency).
AGENT_REGIONS = 50
#: Weekly shifts: four a day, every day.
SHIFTS_PER_AGENT = 28
#: Breaks in one shift.
BREAKS_PER_SHIFT = 8
#: Items of a shift's ``days`` (names or ranges): seven days, each named once.
DAY_ITEMS = 7


def json_tree_problem(
    value: Any,
    *,
    max_depth: int = ACCOUNT_DEPTH,
    max_keys: int = ACCOUNT_KEYS,
    max_items: int = ACCOUNT_ITEMS,
    max_key_chars: int = ACCOUNT_KEY_CHARS,
    max_string_chars: int = ACCOUNT_STRING_CHARS,
) -> str | None:
    """What is wrong with the JSON value ``value`` (dicts, lists, strings, numbers, booleans,
    None), or None if nothing is.

    ``value`` itself is depth 1; a map or list inside it depth 2, and so on. The walk is
    iterative and stops at the first problem, after at most ``max_items`` items, so neither a
    deep nor a wide value costs more than the caps. The problem never quotes the value (it may
    hold personal data).
    """
    stack: list[tuple[Any, int]] = [(value, 1)]
    items = 0
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict):
            if depth > max_depth:
                return f"nested more than {max_depth} levels deep"
            if len(node) > max_keys:
                return f"a map has more than {max_keys} keys"
            items += len(node)
            if items > max_items:
                return f"more than {max_items} keys and items in all"
            for key, child in node.items():
                if not isinstance(key, str) or len(key) > max_key_chars:
                    return f"a key is longer than {max_key_chars} characters"
                stack.append((child, depth + 1))
        elif isinstance(node, list | tuple):
            if depth > max_depth:
                return f"nested more than {max_depth} levels deep"
            items += len(node)
            if items > max_items:
                return f"more than {max_items} keys and items in all"
            stack.extend((child, depth + 1) for child in node)
        elif isinstance(node, str):
            if len(node) > max_string_chars:
                return f"a string is longer than {max_string_chars} characters"
        elif isinstance(node, float) and not math.isfinite(node):
            return "NaN and Infinity are not JSON numbers"
    return None
