"""easeback: a local-first guide for a gentle daily lower-back stretching routine.

Not medical advice: it guides a routine and keeps a diary; it does not treat anything.
"""

__version__ = "0.1.0"
