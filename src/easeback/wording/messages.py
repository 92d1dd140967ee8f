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
CONSENT_NOTED = "Thank you, noted on {when}."
CONSENT_DECLINED = (
    "No session until you have checked with a clinician. When you have, run: easeback consent"
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

# Saving, when the disk or another program holds it up (store/writer.py).
SAVING_CAUSES = {
    "locked": "another program is using easeback's data",
    "full": "the disk is full",
    "read-only": "easeback's data folder cannot be written",
    "damaged": "easeback's data file is damaged",
    "missing": "easeback's data folder is missing",
    "io": "the disk reported an error",
}
SAVING_DELAYED = "Saving is delayed: {cause}. Carry on; every step is kept and will be saved."
SAVING_CAUGHT_UP = "Saving has caught up: everything so far is saved."
SAVED_LATER = (
    "This session is not saved in your history yet: {cause}. It is kept safe in {journal} "
    "and will be saved the next time easeback starts."
)
NOT_KEPT = (
    "This session could not be saved: {cause}, and there is no room left on the disk to "
    "keep it. Free some space, then press Enter to try again (Ctrl-C gives up)."
)
EARLIER_NOT_SAVED = (
    "A session from earlier is still waiting to be saved: {cause}. No new session starts "
    "until it is, so that a pain stop in it is never missed. Try again when that is fixed."
)

OUTCOME_WORDS = {
    "completed": "completed",
    "pain_stop": "stopped: pain",
    "quit": "ended early",
    "playing": "still playing (in another window, perhaps)",
    "interrupted": "interrupted",
}

# --- safety questions (ids and groups: core/screening.py) ---------------------------

SCREENING_INTRO = (
    "A few yes/no questions about warning signs. Any 'yes' means this self-guided "
    "routine is not the right next step, and you will be told where to go instead."
)
QUESTION_TEXT = {
    "saddle-numbness": (
        "Do you have numbness or tingling around your genitals, buttocks, back passage "
        "or inner thighs?"
    ),
    "bladder-bowel": (
        "Have you had new trouble starting or controlling your urine, or lost control of "
        "your bladder or bowels?"
    ),
    "both-legs": (
        "Do you have pain, numbness, tingling or weakness in both legs, or leg weakness "
        "or trouble walking that is getting worse?"
    ),
    "sexual-function": (
        "Have you noticed new problems with sexual function, or less feeling in your genitals?"
    ),
    "chest-pain": "Do you have chest pain?",
    "injury": "Did this pain begin after a serious accident or a fall?",
    "fever": "Do you have a fever or chills?",
    "weight-loss": "Have you lost weight without knowing why?",
    "lump": "Is there a lump, a swelling or a change in the shape of your back?",
    "night-pain": "Is your pain not eased by rest, or is it worse at night?",
    "between-shoulders": "Is the pain mainly between your shoulder blades?",
    "cancer": "Have you ever had cancer?",
    "age": "Is this back pain new, and are you over 50 or under 20?",
    "bones-steroids": (
        "Do you have osteoporosis, or have you taken steroid medicines for a long time?"
    ),
    "immune-infection": (
        "Is your immune system weakened, have you ever injected drugs, or have you had a "
        "bacterial infection recently?"
    ),
    "no-improvement": (
        "Have you looked after your back yourself for about a month without it getting better?"
    ),
}
ADVICE = {
    "emergency": (
        "Please call emergency services now (999 in the UK, 911 in the US, 112 in the EU), "
        "or go to an emergency department. Do not do the stretches."
    ),
    "urgent": (
        "Please see a doctor today: a same-day appointment with your GP, an urgent care "
        "centre, or NHS 111 in the UK. Leave the stretches until a doctor has seen you."
    ),
    "clinician": (
        "Please check with your doctor or physiotherapist before using the routine. When "
        "they have said it is fine for you, record it with: easeback clear"
    ),
    "none": "No warning signs in your answers. You can use the routine.",
}
ADVICE_NOTE = "This does not say what the cause is; only who is best placed to help, and how soon."

GATE = {
    "consent": (
        "Before a first session, please confirm that a clinician has checked these "
        "stretches suit you, and answer a few safety questions.",
        "Run: easeback check",
    ),
    "first": ("A few safety questions come before your first session.", "Run: easeback check"),
    "clock": (
        "Your computer's clock was different when you last answered the safety "
        "questions, so easeback asks them again.",
        "Run: easeback check",
    ),
    "30-days": ("It has been 30 days since the safety questions.", "Run: easeback check"),
    "pain": (
        "Your last session was stopped because of pain, or your pain rose after it.",
        "Run: easeback check",
    ),
    "emergency": (ADVICE["emergency"], "When things have changed, run: easeback check"),
    "urgent": (ADVICE["urgent"], "When a doctor has seen you, run: easeback check"),
    "clinician": (
        "Please check with your doctor or physiotherapist before using the routine.",
        "When they have said it is fine, run: easeback clear",
    ),
    "repeated-pain": (
        "Pain has stopped a session, or risen after one, twice within 7 days: please talk "
        "to your doctor or physiotherapist before going on.",
        "When they have said it is fine, run: easeback clear",
    ),
    "flare-up": (
        "Your back has been worse two mornings running during this flare-up, or you "
        "noticed a new or changed symptom. Please get in touch with your clinician, and "
        "answer the safety questions before the next session.",
        "Run: easeback check",
    ),
}

PAIN_SETTLED_QUESTION = "Has the pain from your last session settled?"
PAIN_NOT_SETTLED = (
    "Then please rest today and leave the stretches. If the pain does not settle in a "
    "day or two, or it gets worse, talk to your doctor or physiotherapist."
)
REPEATED_PAIN = (
    "Pain has stopped a session, or risen after one, twice within 7 days. Please talk to "
    "your doctor or physiotherapist before your next session. easeback waits until you "
    "record that they said it is fine (easeback clear), and then takes the doses one "
    "step back."
)
WEB_REPEATED_PAIN = (
    "Pain has stopped a session, or risen after one, twice within 7 days. Please talk to "
    "your doctor or physiotherapist before your next session. easeback waits until you "
    "record that they said it is fine, and then takes the doses one step back."
)
REPEATED_PAIN_WAIT = (
    "No warning signs in your answers. But pain has stopped a session, or risen after "
    "one, twice within 7 days, so please talk to your doctor or physiotherapist before "
    "going on. When they have said it is fine, record it with: easeback clear"
)
WEB_REPEATED_PAIN_WAIT = (
    "No warning signs in your answers. But pain has stopped a session, or risen after "
    "one, twice within 7 days, so please talk to your doctor or physiotherapist before "
    "going on. When they have said it is fine, record their go-ahead here."
)
WORSENED = (
    "Your pain is {rise} points higher than before the session. Please rest, and do no "
    "more stretching today; easeback will ask how you are before the next session."
)

PAIN_BEFORE_QUESTION = "How much does your back hurt right now, from 0 (not at all) to 10 (worst)?"
PAIN_AFTER_QUESTION = "And your pain now, after the session, from 0 (none) to 10 (worst)?"
PAIN_SKIP_HINT = "(Enter skips)"
PAIN_BAD_VALUE = "Please type a whole number from 0 to 10, or just press Enter to skip."

CLEARED = "Noted: a clinician cleared you on {on}{by}."
CLEAR_NOT_NEEDED = "Nothing to clear: your answers do not ask for a clinician's go-ahead."
CLEAR_CANNOT = (
    "A clearance cannot lift this. {advice} When things have changed, answer the "
    "questions again with: easeback check"
)

# --- the day's plan -----------------------------------------------------------------

SETUP_SAVED = "Saved. Your stretches now fit your day:"
PROFILE_SAVED = (
    "Saved. Your name, date of birth and clinic identifier (those you gave) go on your "
    "report, your routine sheet and the FHIR export, so your clinic can file them; "
    "easeback shows them nowhere else."
)
NOTHING_CHANGED = "nothing was changed."
SETUP_AGAIN = "Please answer again (Enter keeps what you typed):"
NOT_SET_UP = "These times assume a 07:00 to 22:30 day; fit them to yours with: easeback setup"
CALENDAR_WRITTEN = (
    "Wrote {path}. Import it, or subscribe to it, in your calendar app; easeback "
    "rewrites it whenever your day or your plan changes."
)
SLOT_TITLES = {
    "morning": "First thing",
    "daytime": "During the day",
    "evening": "Before bed",
}
STATUS_WORDS = {
    "done": "done",
    "stopped": "stopped: pain",
    "missed": "missed",
    "next": "next",
    "later": "later",
}
ALL_DONE = "Nothing more is due today. To stretch anyway, name a routine: easeback start default"
SINCE_LAST_TIME = "Since last time:"

# --- the web app ---------------------------------------------------------------------

WEB_CONSENT_DECLINED = (
    "No session until you have checked with a clinician. When you have, come back to "
    "this page and answer again."
)
WEB_GATE_NEXT = {
    "clinician": "When they have said it is fine, record their go-ahead on the Today page.",
    "repeated-pain": "When they have said it is fine, record their go-ahead on the Today page.",
    "emergency": "When things have changed, answer the safety questions again.",
    "urgent": "When a doctor has seen you, answer the safety questions again.",
}
WEB_GATE_NEXT_QUESTIONS = "Please answer the safety questions on the Check page first."
# The phone on the mat (issue 13): a session begun, or a diary line written, offline.
WEB_START_AHEAD = (
    "started is more than 5 minutes after this computer's time now: check the date and "
    "time on the device that played the session"
)
WEB_SESSION_CLASH = (
    "a different session is already stored under the id {id}: make a new id for a new "
    "session, and send a retry exactly as the first try"
)
WEB_BEGIN_OFFLINE = (
    "No network: this session plays from what was saved on this device, and its records "
    "will be sent when easeback can be reached again."
)
WEB_NOT_SAVED_OFFLINE = (
    "This routine was not saved on this device while easeback could be reached, so it "
    "cannot start with no network. Connect again, open Today, then try once more."
)
WEB_PAIN_WAITING = (
    "A pain stop from an earlier session has not reached easeback yet. Connect again so "
    "it can be looked at before the next session."
)
WEB_DIARY_KEPT = (
    "Kept on this device: easeback cannot be reached just now. The entry will be sent "
    "once, as soon as it can be."
)
WEB_DIARY_SENT = "The entries kept on this device have been sent and are in your diary now."
WEB_OFFLINE_SAVED_AT = "Offline: showing what was saved at {time}."
WEB_ADVICE = {
    "clinician": (
        "Please check with your doctor or physiotherapist before using the routine. When "
        "they have said it is fine for you, record their go-ahead here."
    ),
}
WEB_CLEAR_CANNOT = (
    "A clinician's go-ahead cannot lift this. {advice} When things have changed, answer "
    "the safety questions again."
)
WEB_GO_AHEAD_INTRO = (
    "When your doctor or physiotherapist has said the routine is fine for you, note it "
    'here. It lifts a "check with a clinician first" answer, and the wait after pain '
    "stopped or rose after two sessions within 7 days. It never lifts an answer that "
    "calls for emergency or same-day care."
)
WEB_ALL_DONE = "Nothing more is due today. To stretch anyway, pick a routine below."
WEB_NO_SCRIPT = (
    "The guided player needs JavaScript. Everything else here works without it, and "
    "'easeback start' plays the same routine in a terminal."
)
WEB_PAIN_KEY = "Pain? Stop now"
# The player page before Begin (issue 15): the pain question sits under Begin.
WEB_PAIN_BEFORE_OPTIONAL = "(optional: pick a number before you press Begin, or just begin)"
# Asked before a session is left mid-way (End, or a link to another page); the pain
# button and keys never ask.
WEB_LEAVE_QUESTION = "End the session now?"
WEB_LEAVE_TEXT = (
    "It is kept in your history as ended early. If something hurts, press the pain "
    "button instead: it stops at once."
)
WEB_LEAVE_YES = "Yes, end it"
WEB_LEAVE_NO = "No, keep going"
WEB_BAD_ADDRESS = "This address has a wrong value: {problems}. Open the page from Today instead."
WEB_BAD_SPEED = (
    "speed {speed:g} cannot be played: a session plays at speed 1 (real time) or, as a "
    "rehearsal, up to {most:g} times faster"
)

# --- wrong values ---------------------------------------------------------------------------

# What is wrong with one value, by the kind of problem found (Pydantic's error types),
# in our own words; "{...}" are filled from the problem's details. Read after the
# field's name: "speed must be 500 or less". Pydantic's own words never reach anyone.
FIELD_PROBLEMS = {
    "missing": "is missing",
    "extra_forbidden": "is not a field of this request; leave it out",
    "int_type": "must be a whole number, such as 4",
    "int_parsing": "must be a whole number, such as 4",
    "int_from_float": "must be a whole number, such as 4",
    "float_type": "must be a number, such as 1.5",
    "float_parsing": "must be a number, such as 1.5",
    "finite_number": "must be a number, such as 1.5",
    "bool_type": "must be true or false",
    "bool_parsing": "must be true or false",
    "string_type": "must be text",
    "string_too_short": "must be at least {min_length} characters long",
    "string_too_long": "must be {max_length} characters or fewer",
    "string_pattern_mismatch": "must match the form {pattern}",
    "greater_than_equal": "must be {ge} or more",
    "less_than_equal": "must be {le} or less",
    "greater_than": "must be more than {gt}",
    "less_than": "must be less than {lt}",
    "literal_error": "must be one of {expected}",
    "enum": "must be one of {expected}",
    "too_short": "must hold at least {min_length}",
    "too_long": "must hold at most {max_length}",
    "list_type": "must be a JSON list",
    "dict_type": "must be a JSON object",
    "model_type": "must be a JSON object",
    "model_attributes_type": "must be a JSON object",
    "datetime_type": "must be a time such as 2026-11-25T07:00:00Z",
    "json_invalid": "is not valid JSON ({error})",
    "value_error": "{error}",
}
FIELD_PROBLEM_OTHER = "has a value that is not allowed here"


# Why something could not be saved just now, by the cause easeback named (the storage
# faults of store/faults.py, and "down" when easeback did not answer at all); each is
# read after "Saving is delayed: " or "Not started yet: ".
WEB_STORE_CAUSES = {
    "down": (
        "easeback is not answering (is it still running? Start it again with: easeback serve)"
    ),
    "locked": (
        "another program is using easeback's file just now (a backup, an import or a "
        "second easeback, perhaps)"
    ),
    "full": "the disk that holds easeback's file is full; please free some space",
    "read-only": "easeback's file cannot be written: it, or its folder, is read-only",
    "damaged": (
        "easeback's file is damaged; restore your latest backup with: easeback restore FILE"
    ),
    "io": "the disk reported an error; please check the disk",
    "missing": "the folder of easeback's file is missing",
    # A clinic's server: the phone's login ended while records waited on it.
    "login": "your login to the clinic has ended; log in again at /login",
    "other": "easeback could not save just now",
}
WEB_SAVING_DELAYED = (
    "Saving is delayed: {cause}. {count} kept on this device and sent as soon as "
    "easeback can save again."
)
WEB_SAVED_AGAIN = "Saving has caught up: everything is saved."
WEB_REFUSED = (
    "Some records could not be saved (easeback answered {status}). Please note what "
    "happened in your diary."
)
WEB_BEGIN_DELAYED = "Not started yet: {cause}. Nothing is lost; press Begin again in a moment."
WEB_FORM_NOT_SAVED = (
    "This was not saved, because {cause}. What you gave is kept below; press the button "
    "again in a moment."
)

# --- the diary ------------------------------------------------------------------------

DIARY_SAVED = "Saved in your diary: {what} at {when}."
PSFS_INTRO = (
    "Name 3 to 5 everyday activities your back makes hard, in your own words (for "
    "example: putting on socks, lifting the shopping, sitting through a film)."
)
PSFS_RATE = "For each, how well can you do it today? 0 = not at all, 10 = as well as before."
PSFS_LISTED = "Your {count} activities are saved."
PSFS_SAVED = "Saved. Your score this week: {mean} out of 10 (the mean of your ratings)."
WEB_NOT_A_DATE = "{value!r} is not a date; write it as YYYY-MM-DD, e.g. 2026-11-01."
VERDICT_WORDS = {
    "meaningful improvement": "a meaningful improvement",
    "meaningful worsening": "a meaningful worsening",
    "no clear change yet": "no clear change yet",
    "not enough entries yet": "not enough entries yet to tell",
}

# --- sharing ----------------------------------------------------------------------------

EXPORTED = "Wrote {path} ({size}). It holds health data: share it only with people you trust."
IMPORTED = "Imported {sessions} sessions, {events} events and {diary} diary entries."
BACKED_UP = "Backed up to {path} ({size})."
RESTORED = "Restored from {path}."
RESTORE_KEPT = "The file it replaced was not a database; it is kept as {path}."
REPORT_WRITTEN = "Wrote {path} ({pages} page{s}) for {first} to {last}."
SHEET_WRITTEN = "Wrote {path}: your routine on one sheet, ready to print."

# --- the clinician's prescription and the flare-up --------------------------------------

FLARE_ADVICE = (
    "For the next {days} days, easeback keeps your stretches at their gentlest and does "
    "not raise any dose. Keep moving gently through the day, as much as is comfortable; "
    "rest from anything that makes the pain sharply worse."
)
FLARE_CONTACT = (
    "Get in touch with your doctor or physiotherapist if it is not easing after a few "
    "days, or sooner if it keeps getting worse. Seek care at once for numbness around the "
    "genitals or back passage, new bladder or bowel trouble, or weakness in the legs."
)
FLARE_QUESTION = "How does your back feel today, compared with usual?"
FLARE_SYMPTOM_QUESTION = (
    "Any new or changed symptom since yesterday (numbness, tingling or weakness in the "
    "legs, bladder or bowel changes, fever)?"
)
FLARE_SAFETY = (
    "Please get in touch with your clinician, and answer the safety questions before your "
    "next session: easeback check"
)
UNTRUSTED_CLINICIAN = (
    "{name} is new to easeback on this computer. Check the fingerprint with them (it is "
    "on their clinician card): {fingerprint}"
)
FLARE_ANSWER_HOW = "Answer with: easeback flare-up --check better|same|worse"
WEB_FLARE_SAFETY = (
    "Please get in touch with your clinician, and answer the safety questions before your "
    "next session."
)
WEB_TRUST_QUESTION = "Do you know this clinician, and does the fingerprint match their card?"
WEB_RX_DONE = {
    "followed": "Your plan now follows this prescription.",
    "already": "Your plan already follows this prescription; nothing changed.",
    "cancelled": "Not imported; your plan is unchanged.",
    "removed": "Your plan is the article's again; the prescription stays in your history.",
    "none": "No prescription is followed; your plan is the article's already.",
}
WEB_RX_NO_FILE = "Choose the signed .json file your clinician gave you."
WEB_RX_TOO_BIG = (
    "This file is larger than {limit} KB, so it cannot be a prescription; check that you "
    "chose the file your clinician gave you. Your plan is unchanged."
)
WEB_RX_OTHER_KEY = (
    "The fingerprint confirmed is not the one of the file's key, so nothing was imported; "
    "choose the file again and check the fingerprint shown. Your plan is unchanged."
)
WEB_RX_EXPIRED = (
    "This confirmation has expired or was already answered; choose the file again. Your "
    "plan is unchanged."
)
WEB_FLARE_DONE = {
    "started": "The flare-up plan is on.",
    "answered": "Thank you; your answer is kept.",
    "ended": "The flare-up is over; your usual plan is back.",
    "none": "No flare-up is on.",
}
WEB_FLARE_NO_ANSWER = "Please choose better, the same or worse."

# --- issue 15, pages: the week so far on Today (core/encouragement.py), facts only ---
WEEK_FIRST = "Your first session this week: a good start."
WEEK_SOME = "{sessions} sessions this week so far."
WEEK_SOME_DAYS = "{sessions} sessions on {days} this week so far."
# --- the session as one audio track (easeback audio, the player's track) ---------------
AUDIO_NO_ESPEAK = (
    "espeak-ng is not installed: tones only; install it with apt-get install espeak-ng "
    "for spoken words"
)
AUDIO_TONES_ASKED = "Tones only, as asked"
AUDIO_ESPEAK_FAILED = "espeak-ng did not work ({problem}): tones only"
WEB_TRACK_REHEARSAL = (
    "The audio track plays at normal speed only; this session is a rehearsal at another "
    "speed, so it plays with the page's own sounds."
)
AUDIO_WRITTEN = "Wrote {path}: {length} of sound, {chapters} ({names}), {size}."
AUDIO_SPOKEN = "Spoken words by espeak-ng, a beep at every change, ticks in a hold's last seconds."
AUDIO_BAD_FORMAT = (
    "--output: {path} ends in {suffix!r}, which easeback cannot write; end it in .opus, "
    ".ogg or .mp3, or give --format opus or --format mp3"
)
