"""The session as one audio track: cues, spoken words and the last seconds' ticks of a
timeline mixed into one mono recording, encoded for any music player or the browser.

Heavy (numpy, PyAV): imported only by the ``easeback audio`` command and the route that
serves a session's track, never on the CLI's quick paths.
"""
