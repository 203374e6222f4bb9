"""MCP (Model Context Protocol) servers: their config file, a small client, and the manager.

Nothing here is imported at start-up: the app and `ask` import this package only when a server
is configured (see the README's "MCP servers" section for why the client is our own).
"""
