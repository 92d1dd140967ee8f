"""The stretch pictures: poses from ``content/poses.toml`` drawn by ``draw.draw``.

Every place that shows a stretch (the pages, the player, the routine sheet and the
PDF) asks here by stretch and step, so each picture is made one way only.
"""
