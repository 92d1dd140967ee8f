"""The terminal player: a Rich live screen (or plain lines) over core.player."""
