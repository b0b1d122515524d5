"""`python -m venue.gateway [--nats URL] ...`: the same as `venue serve`."""

import typer

from venue.gateway.cli import serve_command

if __name__ == "__main__":
    typer.run(serve_command)
