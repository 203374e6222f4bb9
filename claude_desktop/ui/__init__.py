"""Qt widgets: they observe domain objects and call services; no HTTP or SQL here."""
