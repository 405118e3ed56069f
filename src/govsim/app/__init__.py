"""The browser view for teaching (``govsim app``): a Solara page above the model.

Import nothing heavy here: ``govsim.app.commands`` is loaded by the CLI. The page
is :mod:`govsim.app.page`, the server :mod:`govsim.app.server`; every read of the
model's internals goes through :mod:`govsim.app.adapter`.
"""
