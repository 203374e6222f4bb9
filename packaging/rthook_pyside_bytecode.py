"""PyInstaller runtime hook: the bundle's PySide6 imports its support modules' bytecode from
the cache (claude_desktop.pyside_bytecode), as the app from source does.

PyInstaller's own runtime hook for PySide6 imports QtCore, before the app's code runs;
custom runtime hooks run before it, so this one imports QtCore first, with the cache on.
"""

from claude_desktop.pyside_bytecode import cached_pyside_bytecode

with cached_pyside_bytecode():
    import PySide6.QtCore  # noqa: F401
