// The subscribe page's only script: which season leads and which round is next, on the
// viewer's own day, and the Copy buttons. It reads and writes text, never markup.
(() => {
  const now = new Date();
  const pad = (n) => String(n).padStart(2, "0");
  const today = `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`;
  const daysTo = (iso) => {
    const [y, m, d] = iso.split("-").map(Number);
    const start = Date.UTC(now.getFullYear(), now.getMonth(), now.getDate());
    return Math.round((Date.UTC(y, m - 1, d) - start) / 86400000);
  };
  // Seasons come newest first; lead with the latest that still has a round ahead, or
  // say that the next one is not announced yet.
  const seasons = [...document.querySelectorAll(".season[data-year]")];
  const current = seasons.find((s) => s.dataset.until && s.dataset.until >= today);
  if (current && current !== seasons[0]) {
    seasons[0].before(current);
    current.open = true;
  }
  const over = document.getElementById("season-over");
  if (over && seasons.length && !current) over.hidden = false;
  // The next round: the first going ahead whose last day is not past.
  const round = [...document.querySelectorAll("li[data-last]")]
    .filter((r) => r.dataset.last >= today)
    .sort((a, b) => (a.dataset.first < b.dataset.first ? -1 : 1))[0];
  if (round) {
    const n = daysTo(round.dataset.first);
    const when = n <= 0 ? "on now" : n === 1 ? "tomorrow" : `in ${n} days`;
    const folded = round.closest("details");
    if (folded) folded.open = true;
    round.classList.add("is-next");
    const mark = round.querySelector(".mark");
    mark.textContent = `Next round, ${when}`;
    mark.hidden = false;
    const link = document.createElement("a");
    link.href = `#${round.id}`;
    link.textContent = round.querySelector("h3").textContent;
    const banner = document.getElementById("next-round");
    banner.append(`Next round, ${when}: `, link);
    banner.hidden = false;
  }
  for (const button of document.querySelectorAll("button[data-copy]")) {
    const field = document.getElementById(button.dataset.copy);
    const said = button.closest(".way").querySelector(".said");
    const copied = "Copied. Paste it where your app says “subscribe” or “add by URL”.";
    button.hidden = false;
    field.addEventListener("focus", () => field.select());
    button.addEventListener("click", async () => {
      try {
        await navigator.clipboard.writeText(field.value);
        said.textContent = copied;
      } catch {
        field.focus();
        field.select();
        const done = document.execCommand && document.execCommand("copy");
        said.textContent = done ? copied : "Selected: copy it with Ctrl+C, or long-press and Copy.";
      }
    });
  }
})();
