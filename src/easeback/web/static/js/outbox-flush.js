// On every page: send anything a player page left waiting (say, a pain stop made
// while easeback was not answering), so the safety rules see it as soon as possible.
import { Outbox } from "./outbox.js";

const meta = document.querySelector('meta[name="csrf-token"]');
if (meta && !document.getElementById("player")) new Outbox(meta.content).flush();

// On a clinic's server, logging out clears this device (its kept pages and records):
// records that have not reached the server yet would go with them, so the first
// press says how many wait and turns the button into "Log out anyway".
const logout = document.querySelector("form[data-unsent-one]");
if (logout && meta) {
  logout.addEventListener("submit", async (event) => {
    if (logout.dataset.anyway === "yes") return;
    event.preventDefault();
    let left = 0;
    try { left = (await new Outbox(meta.content).all()).length; } catch { left = 0; }
    logout.dataset.anyway = "yes";
    if (left === 0) { logout.requestSubmit(); return; }
    const warning = logout.querySelector(".unsent");
    warning.textContent = (left === 1 ? logout.dataset.unsentOne : logout.dataset.unsentMany)
      .replace("{count}", String(left));
    warning.hidden = false;
    logout.querySelector("button").textContent = logout.dataset.anywayLabel;
    warning.focus();
  });
}
