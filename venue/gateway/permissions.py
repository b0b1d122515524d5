"""NATS server permissions that keep each participant to its own subjects
(docs/PROTOCOL.md, "Credentials and permissions").

The venue already refuses to let a participant touch another's orders: the participant is
the last token of the subject a request arrived on, never a field of the message. With
credentials configured, the server also stops a participant from *publishing* on another's
order subject, reading another's executions, or reading the journal. Participant `p` may:

- publish requests on `venue.orders.<p>` and snapshot requests on `venue.snapshot.*`;
- subscribe to `venue.exec.<p>`, `venue.md.>` and its own inbox prefix `_INBOX_<p>.>`
  (connect with `inbox_prefix="_INBOX_<p>"`; the shared `_INBOX.>` would let anyone read
  everyone's replies);
- use one durable JetStream consumer named `p<p>` on the exec stream, created with the
  filter `venue.exec.<p>` (the create subject carries the filter, so the server checks it),
  and acknowledge its messages.

>>> perms = participant_permissions(7)
>>> "venue.orders.7" in perms["publish"]["allow"], "venue.exec.8" in perms["subscribe"]["allow"]
(True, False)
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from venue.gateway.jetstream import StreamNames
from venue.gateway.subjects import Subjects

__all__ = [
    "authorization_config",
    "consumer_name",
    "inbox_prefix",
    "participant_permissions",
    "venue_permissions",
]


def inbox_prefix(participant: int) -> str:
    """The inbox prefix participant `participant` must connect with."""
    return f"_INBOX_{participant}"


def consumer_name(participant: int) -> str:
    """The only durable exec-stream consumer name participant `participant` may use."""
    return f"p{participant}"


def participant_permissions(participant: int, prefix: str = "venue") -> dict[str, Any]:
    """The `permissions` block of one participant's user (see the module docstring)."""
    s = Subjects(prefix)
    exec_stream = StreamNames.for_prefix(prefix).exec
    name = consumer_name(participant)
    return {
        "publish": {
            "allow": [
                s.orders(participant),
                s.snapshot("*"),
                f"$JS.API.CONSUMER.CREATE.{exec_stream}.{name}.{s.exec(participant)}",
                f"$JS.API.CONSUMER.INFO.{exec_stream}.{name}",
                f"$JS.API.CONSUMER.MSG.NEXT.{exec_stream}.{name}",
                f"$JS.API.CONSUMER.DELETE.{exec_stream}.{name}",
                f"$JS.ACK.{exec_stream}.{name}.>",
            ]
        },
        "subscribe": {
            "allow": [s.exec(participant), s.md(">", ""), f"{inbox_prefix(participant)}.>"]
        },
    }


def venue_permissions() -> dict[str, Any]:
    """The venue's user may do everything (it owns the streams)."""
    return {"publish": {"allow": [">"]}, "subscribe": {"allow": [">"]}}


def authorization_config(
    venue: tuple[str, str],
    participants: Mapping[int, tuple[str, str]],
    prefix: str = "venue",
) -> str:
    """An `authorization { users = [...] }` block for nats-server's configuration file.

    `venue` is the venue's (user, password); `participants` maps participant ids to theirs.
    Passwords appear as given: use bcrypt hashes (`nats server passwd`) in production.
    """
    users = [{"user": venue[0], "password": venue[1], "permissions": venue_permissions()}]
    for participant, (user, password) in sorted(participants.items()):
        users.append(
            {
                "user": user,
                "password": password,
                "permissions": participant_permissions(participant, prefix),
            }
        )
    # nats-server's configuration format accepts JSON values.
    return "authorization {\n  users = " + json.dumps(users, indent=2) + "\n}\n"
