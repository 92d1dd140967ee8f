// On every page: send anything a player page left waiting (say, a pain stop made
// while easeback was not answering), so the safety rules see it as soon as possible.
import { Outbox } from "./outbox.js";

const meta = document.querySelector('meta[name="csrf-token"]');
if (meta && !document.getElementById("player")) new Outbox(meta.content).flush();
