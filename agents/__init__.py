"""Trading agents for the simulation.

`Agent` is the base class to subclass (see `agents.base`); the built-in strategies are
registered here under the names scenario files use as `type`:

| type | class | ABIDES counterpart |
|---|---|---|
| `noise` | `NoiseAgent` | `NoiseAgent` |
| `value` | `ValueAgent` | `ValueAgent` |
| `adaptive_market_maker` | `AdaptiveMarketMaker` | `AdaptiveMarketMakerAgent` (adaptive POV) |
| `avellaneda_stoikov` | `AvellanedaStoikov` | none |
| `momentum` | `MomentumAgent` | `MomentumAgent` |

A user's own agent is a subclass in their own module, named in the YAML as
`type: mypackage.mymodule:MyAgent`.
"""

from agents.adaptive_market_maker import AdaptiveMarketMaker
from agents.avellaneda_stoikov import AvellanedaStoikov
from agents.base import Agent, Fill, Order, Params
from agents.momentum import MomentumAgent
from agents.noise import NoiseAgent
from agents.order_size import OrderSizeModel
from agents.value import ValueAgent

REGISTRY: dict[str, type[Agent]] = {
    "noise": NoiseAgent,
    "value": ValueAgent,
    "adaptive_market_maker": AdaptiveMarketMaker,
    "avellaneda_stoikov": AvellanedaStoikov,
    "momentum": MomentumAgent,
}
"""Built-in agent types by scenario name."""

__all__ = [
    "REGISTRY",
    "AdaptiveMarketMaker",
    "Agent",
    "AvellanedaStoikov",
    "Fill",
    "MomentumAgent",
    "NoiseAgent",
    "Order",
    "OrderSizeModel",
    "Params",
    "ValueAgent",
]
