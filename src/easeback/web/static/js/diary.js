// The diary's entry form. Each entry gets an id made here, so an entry sent twice is
// stored once. With a network the form posts as any form does; with none, the entry
// is kept on this device (the outbox, which every page sends from) and sent once,
// when easeback can be reached again, and the page says so.
import { Outbox } from "./outbox.js";

const form = document.getElementById("entry-form");
const idField = document.getElementById("client_id");
const kept = document.getElementById("entry-kept");
const problem = document.getElementById("entry-error");
const token = document.querySelector('meta[name="csrf-token"]').content;
const outbox = new Outbox(token);
window.easeback = { ...(window.easeback || {}), outbox };

const newId = () => (crypto.randomUUID ? crypto.randomUUID() : "");
idField.value = newId();

form.addEventListener("submit", (event) => {
  if (navigator.onLine) return; // the form posts, with its id
  event.preventDefault();
  const checked = form.querySelector('input[name="pain"]:checked');
  const note = form.elements.note.value.trim();
  if (!checked && !note) {
    problem.textContent = "Choose how much it hurts, or write a note (or both).";
    return;
  }
  problem.textContent = "";
  outbox.push("/api/diary", {
    id: idField.value || newId(),
    at: new Date().toISOString(),
    zone: Intl.DateTimeFormat().resolvedOptions().timeZone,
    pain: checked ? Number(checked.value) : null,
    note: note || null,
    share: form.elements.share.checked,
  });
  form.reset();
  idField.value = newId();
  kept.textContent = form.dataset.kept;
});

document.addEventListener("easeback:landed", (event) => {
  if (event.detail.url === "/api/diary" && event.detail.status < 300 && kept.textContent) {
    kept.textContent = form.dataset.sent;
  }
});
