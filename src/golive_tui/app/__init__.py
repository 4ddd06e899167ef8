"""The top layer: the ``golive`` command, launching the app, the demo and ``golive connect``.

Only here do the client's layers (tui, sync, store) meet the server's (the demo's embedded
server) and the settings file; nothing below imports this package.
"""
