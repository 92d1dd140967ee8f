"""The words every shell shows: messages (advice, prompts, refusals) and labels
(short names for phases, outcomes and safety records), in one place for review and
translation. Stretch words live with the stretches in ``content``."""
