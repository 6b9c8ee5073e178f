/* The ticket page: newest message in view, macros into the composer, properties saved when
   changed, and who else has the ticket open. Everything works without it but the macros
   and the presence row. */
(function () {
  "use strict";
  const page = document.querySelector(".ticket-page");
  if (!page) return;
  const csrf = (document.querySelector("input[name=csrfmiddlewaretoken]") || {}).value || "";

  // The conversation reads top to bottom, the newest beside the composer.
  const thread = document.getElementById("thread");
  if (thread && !location.hash) thread.scrollTop = thread.scrollHeight;

  // Whatever else is saved on the page brings back the reply being typed: each other form
  // carries the composer's text, macro and the newest message seen, for the page that
  // comes back to put in the composer again.
  const replyForm = page.querySelector("form.reply-form");
  function carryDraft(form) {
    if (!replyForm || form === replyForm) return;
    [["draft_body", "body"], ["draft_macro", "macro"], ["draft_seen", "last_seen_message"]]
      .forEach(function (names) {
        let carried = form.querySelector("input[name=" + names[0] + "]");
        if (!carried) {
          carried = document.createElement("input");
          carried.type = "hidden";
          carried.name = names[0];
          form.appendChild(carried);
        }
        carried.value = replyForm.elements[names[1]].value;
      });
  }
  page.querySelectorAll("form").forEach(function (form) {
    form.addEventListener("submit", function () { carryDraft(form); });
  });

  // A property changes as soon as another value is chosen.
  page.querySelectorAll("form.property select").forEach(function (select) {
    select.addEventListener("change", function () { carryDraft(select.form); select.form.submit(); });
  });

  // A macro is filled in for this ticket by the server and inserted where the cursor is.
  const picker = document.getElementById("macro-select");
  const body = document.getElementById("id_reply_body");
  // The macro's status is how the reply goes unless the agent picks another button: its
  // button becomes the main one (first, highlighted) and the composer says what it does.
  const buttons = page.querySelector(".send-buttons");
  const says = document.getElementById("macro-status");
  function sendAs(status, sentence) {
    const order = buttons.dataset.order.split(" ");
    Array.from(buttons.querySelectorAll("button"))
      .sort(function (a, b) {
        return (a.value !== status) - (b.value !== status) || order.indexOf(a.value) - order.indexOf(b.value);
      })
      .forEach(function (button) {
        button.classList.toggle("default", button.value === status);
        buttons.appendChild(button);
      });
    says.textContent = sentence;
    says.hidden = !sentence;
  }
  if (picker && body) {
    picker.addEventListener("change", function () {
      if (!picker.value) return;
      const url = picker.dataset.url.replace(/\/0\/$/, "/" + picker.value + "/");
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) { if (!response.ok) throw new Error(response.status); return response.json(); })
        .then(function (macro) {
          const start = body.selectionStart || 0, end = body.selectionEnd || 0;
          body.value = body.value.slice(0, start) + macro.body + body.value.slice(end);
          body.focus();
          body.selectionStart = body.selectionEnd = start + macro.body.length;
          document.getElementById("id_reply_macro").value = macro.id;
          sendAs(macro.send, macro.says);
          picker.value = "";
        })
        .catch(function () { picker.value = ""; alert("The macro could not be loaded."); });
    });
  }

  // Who else has the ticket open, every 10 seconds while the page is shown.
  const row = document.getElementById("presence");
  const presenceUrl = page.dataset.presenceUrl;
  function beat(leave) {
    const data = new FormData();
    data.append("csrfmiddlewaretoken", csrf);
    if (leave) {
      data.append("leave", "1");
      navigator.sendBeacon(presenceUrl, data);
      return;
    }
    fetch(presenceUrl, { method: "POST", body: data, credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : { others: [] }; })
      .then(function (answer) {
        row.hidden = answer.others.length === 0;
        row.textContent = answer.others.length
          ? "Also viewing this ticket: " + answer.others.join(", ")
          : "";
      })
      .catch(function () {});
  }
  if (row && presenceUrl) {
    beat(false);
    setInterval(function () { if (!document.hidden) beat(false); }, 10000);
    window.addEventListener("pagehide", function () { beat(true); });
  }
})();
