// Your day: when nothing is saved yet (the page says so with data-fill="browser"),
// choose this browser's own time zone in the list, and say so beside it.
const select = document.getElementById("zone");
if (select && select.dataset.fill === "browser") {
  let zone = "";
  try {
    zone = Intl.DateTimeFormat().resolvedOptions().timeZone || "";
  } catch {
    zone = "";
  }
  const known = Array.from(select.options).some((option) => option.value === zone);
  if (known && select.value !== zone) {
    select.value = zone;
  }
  const note = document.getElementById("zone-from-browser");
  if (known && note) {
    note.textContent = `Filled in from this browser: ${zone}.`;
  }
}
