(() => {
  const now = new Date();
  const pad = (n) => String(n).padStart(2, "0");
  const today = `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`;
  const daysTo = (iso) => {
    const [y, m, d] = iso.split("-").map(Number);
    const start = Date.UTC(now.getFullYear(), now.getMonth(), now.getDate());
    return Math.round((Date.UTC(y, m - 1, d) - start) / 86400000);
  };
  // The season to lead with: the latest that still has a round ahead. Sections come
  // newest first; when none has a round ahead, say that the next is not announced yet.
  const seasons = [...document.querySelectorAll("section[data-year]")];
  const current = seasons.find((s) => s.dataset.until && s.dataset.until >= today);
  if (current && current !== seasons[0]) seasons[0].before(current);
  const over = document.getElementById("season-over");
  if (over && seasons.length && !current) over.hidden = false;
  // The next round, in any season: the first going ahead whose last day is not past.
  const round = [...document.querySelectorAll("li[data-last]")]
    .filter((r) => r.dataset.last >= today)
    .sort((a, b) => (a.dataset.first < b.dataset.first ? -1 : 1))[0];
  if (round) {
    const n = daysTo(round.dataset.first);
    const when = n <= 0 ? "on now" : n === 1 ? "tomorrow" : `in ${n} days`;
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
    button.hidden = false;
    field.addEventListener("focus", () => field.select());
    button.addEventListener("click", async () => {
      try {
        await navigator.clipboard.writeText(field.value);
        said.textContent = "Copied. Paste it into your calendar app.";
      } catch {
        field.focus();
        field.select();
        const copied = document.execCommand && document.execCommand("copy");
        said.textContent = copied ? "Copied. Paste it into your calendar app."
          : "Selected: copy it with Ctrl+C, or long-press and Copy.";
      }
    });
  }
})();
