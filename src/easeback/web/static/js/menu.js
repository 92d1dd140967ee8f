// On every page: the phone menu (a <details> in base.html) closes with Escape, or
// when a tap or the focus goes elsewhere, and the focus goes back to its "Menu"
// button. Without this script the menu still opens and closes.
const menu = document.querySelector(".top details.menu");

function close(giveFocus) {
  if (!menu || !menu.open) return;
  menu.open = false;
  if (giveFocus) menu.querySelector("summary").focus();
}

if (menu) {
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && menu.open && menu.contains(document.activeElement)) {
      event.preventDefault();
      close(true);
    }
  });
  document.addEventListener("click", (event) => {
    if (!menu.contains(event.target)) close(false);
  });
  menu.addEventListener("focusout", (event) => {
    if (event.relatedTarget && !menu.contains(event.relatedTarget)) close(false);
  });
}

// The device's time zone, for a clinic's server (whose own zone is nobody's): it
// places a patient's day until they set one in "Your day". The single-user app
// ignores it.
try {
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  if (zone && /^[A-Za-z0-9_+\/-]{1,64}$/.test(zone)) {
    const secure = location.protocol === "https:" ? "; secure" : "";
    document.cookie = `easeback_zone=${zone}; path=/; max-age=31536000; samesite=strict${secure}`;
  }
} catch { /* no Intl: the server's zone stands */ }

// A form sent by the browser itself (not one a script sends, which calls
// preventDefault) is sent once: a second click while the first answer is on its way
// would make a second invitation or prescription version, or turn a new account's
// one-time code into "used already" on the page the person then sees.
const SENT_WITHIN_MS = 3000;
document.addEventListener("submit", (event) => {
  const form = event.target;
  const sent = Number(form.dataset.sentAt || 0);
  if (sent && Date.now() - sent < SENT_WITHIN_MS) {
    event.preventDefault();
    event.stopImmediatePropagation();
  }
}, true);
document.addEventListener("submit", (event) => {
  if (!event.defaultPrevented && (event.target.method || "").toLowerCase() === "post") {
    event.target.dataset.sentAt = String(Date.now());
  }
});
// Back to a page kept in memory: its forms may be sent again.
window.addEventListener("pageshow", () => {
  for (const form of document.querySelectorAll("form[data-sent-at]")) delete form.dataset.sentAt;
});
