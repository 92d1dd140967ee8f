// On every page: the service worker (the app installed, and playing with no network).
// Registered once the page has loaded, so what it keeps is fetched after the page is
// ready to use, never before. Today asks it to keep each of today's sessions; a player
// page, what it needs to begin with no network (/api/play).
function toKeep() {
  const here = window.location;
  if (here.pathname === "/today") {
    return [...document.querySelectorAll('a[href^="/play"]')].map((link) => link.getAttribute("href"));
  }
  if (here.pathname === "/play") {
    const asked = new URLSearchParams(here.search);
    const plan = new URLSearchParams();
    for (const name of ["slot", "routine"]) if (asked.get(name)) plan.set(name, asked.get(name));
    return [`/api/play?${plan}`];
  }
  return [];
}

function keep(registration) {
  const urls = [...new Set(toKeep())];
  const worker = registration.active || registration.waiting || registration.installing;
  if (worker && urls.length) worker.postMessage({ keep: urls });
}

function register() {
  navigator.serviceWorker.register("/sw.js", { scope: "/" })
    .then(() => navigator.serviceWorker.ready)
    .then(keep)
    .catch(() => {}); // no worker: the app works as before, online
}

if ("serviceWorker" in navigator && window.isSecureContext) {
  if (document.readyState === "complete") register();
  else window.addEventListener("load", register, { once: true });
}
