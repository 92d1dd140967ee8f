"""User-facing text that is not stretch content, in one place for review and translation.

Stretch words live in ``content/stretches.toml``. Wording rule: this is a gentle
routine and a diary, never a treatment, and always says it is not medical advice.
"""

from __future__ import annotations

NOT_ADVICE = "easeback is a stretching guide and diary, not medical advice."

CONSENT_WORDING_VERSION = "1"
CONSENT_TEXT = (
    "Before your first session: please check with your doctor, a pain-management "
    "specialist or a spine centre that this stretching routine is right for you.\n"
    "While you stretch, stop straight away if anything hurts: press p or Escape at any "
    "moment and the session ends."
)
CONSENT_QUESTION = "Have you checked with a clinician that these stretches suit you?"
CONSENT_RECORDED = "Thank you. Noted on {when}. You can start a session with: easeback start"
CONSENT_DECLINED = (
    "No session until you have checked with a clinician. When you have, run: easeback consent"
)
CONSENT_MISSING = (
    "Before a first session, please confirm you have checked with a clinician: "
    "run 'easeback consent' (or 'easeback consent --yes' in a script)."
)

PAIN_STOP = (
    "Stopped because it hurt. That was the right thing to do.\n"
    "Rest now, and do no more stretching today.\n"
    "If the pain does not settle, or it gets worse, talk to your doctor or physiotherapist."
)
COMPLETED = "Routine done: {elapsed} of stretching. Well done."
QUIT = "Session ended early after {elapsed}. It is saved in your history."

KEYS_HELP = "space pause · n skip · q quit"
PAIN_KEY = "p / Esc  PAIN: STOP NOW"
PAUSED = "Paused. Press space to carry on."
NO_KEYBOARD = (
    "A guided session needs a keyboard, so that the pain-stop key works at every "
    "moment. Run 'easeback start' in a terminal (rehearsals with --speed can run without)."
)
VOICE_MISSING = (
    "Spoken cues need espeak-ng, which is not installed (Debian/Ubuntu: "
    "sudo apt install espeak-ng). Carrying on with beeps only."
)

OUTCOME_WORDS = {
    "completed": "completed",
    "pain_stop": "stopped: pain",
    "quit": "ended early",
    "interrupted": "interrupted",
}
