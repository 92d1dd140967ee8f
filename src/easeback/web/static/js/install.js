// On every page: the service worker (the app installed, and playing with no network).
// Registered once the page has loaded, so what it keeps is fetched after the page is
// ready to use, never before. Today asks it to keep each of today's sessions too.
function keepToday(registration) {
  if (window.location.pathname !== "/today") return;
  const links = [...document.querySelectorAll('a[href^="/play"]')].map((link) => link.getAttribute("href"));
  const worker = registration.active || registration.waiting || registration.installing;
  if (worker && links.length) worker.postMessage({ keep: [...new Set(links)] });
}

function register() {
  navigator.serviceWorker.register("/sw.js", { scope: "/" })
    .then(() => navigator.serviceWorker.ready)
    .then(keepToday)
    .catch(() => {}); // no worker: the app works as before, online
}

if ("serviceWorker" in navigator && window.isSecureContext) {
  if (document.readyState === "complete") register();
  else window.addEventListener("load", register, { once: true });
}
