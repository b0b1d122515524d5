"""The venue as a service on NATS JetStream: participants send requests on
`venue.orders.<participant>`, the venue answers on `venue.exec.<participant>` and publishes
market data on `venue.md.<symbol>.*` (docs/PROTOCOL.md).

- `Gateway`, `GatewayConfig`, `InstrumentSpec`: the service (`venue.gateway.server`).
- `serve_command`: the `venue serve` command (`venue.gateway.cli`).
- `VenueClient`, `BookReplica`: a small Python client (`venue.gateway.client`).
- codecs: `venue.gateway.codec_json`, `venue.gateway.codec_binary`.
"""

from venue.gateway.client import BookReplica, VenueClient
from venue.gateway.server import Gateway, GatewayConfig, GatewayStats, InstrumentSpec
from venue.gateway.subjects import Subjects

__all__ = [
    "BookReplica",
    "Gateway",
    "GatewayConfig",
    "GatewayStats",
    "InstrumentSpec",
    "Subjects",
    "VenueClient",
    "serve_command",
]


def __getattr__(name: str):  # typer is only imported for the command
    if name == "serve_command":
        from venue.gateway.cli import serve_command

        return serve_command
    raise AttributeError(f"module 'venue.gateway' has no attribute {name!r}")
