"""Conversations, attachments, settings and secrets: the app's state, without Qt."""
