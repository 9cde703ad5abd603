/* The desk's calendar: drag a scheduled story to another day to reschedule it.
   The server decides (permission, version, time); the page only moves the card
   once the server has said yes. No inline script: the admin's CSP allows none. */
(function () {
  "use strict";

  function ready(fn) {
    if (document.readyState !== "loading") { fn(); } else { document.addEventListener("DOMContentLoaded", fn); }
  }

  ready(function () {
    var table = document.getElementById("calendar");
    var form = document.getElementById("calendar-form");
    var status = document.getElementById("calendar-status");
    if (!table || !form) { return; }
    var dragged = null;

    function say(text, isError) {
      status.textContent = text;
      status.className = "calendar__status" + (isError ? " errornote" : "");
    }

    table.addEventListener("dragstart", function (event) {
      var card = event.target.closest && event.target.closest(".calendar__story[draggable=true]");
      if (!card) { return; }
      dragged = card;
      event.dataTransfer.effectAllowed = "move";
      event.dataTransfer.setData("text/plain", card.dataset.article);
    });
    table.addEventListener("dragover", function (event) {
      var cell = event.target.closest && event.target.closest("td[data-day]");
      if (!dragged || !cell) { return; }
      event.preventDefault();
      table.querySelectorAll(".calendar__over").forEach(function (c) { c.classList.remove("calendar__over"); });
      cell.classList.add("calendar__over");
    });
    table.addEventListener("dragend", function () {
      table.querySelectorAll(".calendar__over").forEach(function (c) { c.classList.remove("calendar__over"); });
      dragged = null;
    });
    table.addEventListener("drop", function (event) {
      var cell = event.target.closest && event.target.closest("td[data-day]");
      if (!dragged || !cell) { return; }
      event.preventDefault();
      var card = dragged;
      dragged = null;
      cell.classList.remove("calendar__over");
      if (card.closest("td") === cell) { return; }
      var body = new FormData();
      body.append("article", card.dataset.article);
      body.append("version", card.dataset.version);
      body.append("day", cell.dataset.day);
      say("Moving…", false);
      fetch(form.dataset.moveUrl, {
        method: "POST", body: body, credentials: "same-origin",
        headers: {"X-CSRFToken": form.querySelector("input[name=csrfmiddlewaretoken]").value,
                  "Accept": "application/json"}
      }).then(function (response) {
        return response.json().then(function (json) {
          if (!response.ok) { throw new Error((json.error && json.error.message) || response.statusText); }
          return json;
        });
      }).then(function (json) {
        card.dataset.version = json.version;
        cell.appendChild(card);
        say(json.message, false);
      }).catch(function (error) {
        say(error.message + "", true);
      });
    });
  });
})();
