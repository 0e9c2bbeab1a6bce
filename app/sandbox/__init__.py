"""The sandbox Lead API: a local stand-in for Lead Pro's Lead API that enforces its contract.

Run it with ``python -m app.sandbox``; build it in-process with
``app.sandbox.server.create_sandbox_app``.
"""
