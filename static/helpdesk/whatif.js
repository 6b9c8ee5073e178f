// The what-if page polls its run until the replay is done, then reloads to show the result.
(function () {
  const run = document.getElementById("whatif-run");
  if (!run || run.dataset.status === "done" || run.dataset.status === "failed") return;
  const progress = document.getElementById("whatif-progress");
  const count = document.getElementById("whatif-count");
  const status = document.getElementById("whatif-status");
  async function poll() {
    const response = await fetch(run.dataset.statusUrl, { credentials: "same-origin" });
    if (response.ok) {
      const data = await response.json();
      if (progress) { progress.max = data.total || 1; progress.value = data.done; }
      if (count) count.textContent = data.done + " of " + data.total;
      if (status) status.textContent = data.status;
      if (data.status === "done" || data.status === "failed") { window.location.reload(); return; }
    }
    window.setTimeout(poll, 1000);
  }
  window.setTimeout(poll, 500);
})();
