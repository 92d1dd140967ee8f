"""Things easeback hands to other programs: calendar reminders for now."""
