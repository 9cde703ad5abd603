/* A few lines that improve a page already complete without them. */
(function () {
  "use strict";

  var MINUTE = 60e3, HOUR = 60 * MINUTE, DAY = 24 * HOUR;

  // "12 hours ago", "2 days ago"; null past a week (the printed date stays).
  function relativeTime(then, now) {
    var diff = now - then;
    if (isNaN(diff) || diff < -MINUTE || diff >= 7 * DAY) return null;
    if (diff < MINUTE) return "just now";
    function ago(n, unit) { return n + " " + unit + (n === 1 ? "" : "s") + " ago"; }
    if (diff < HOUR) return ago(Math.floor(diff / MINUTE), "minute");
    if (diff < DAY) return ago(Math.floor(diff / HOUR), "hour");
    return ago(Math.floor(diff / DAY), "day");
  }
  window.newsroomRelativeTime = relativeTime;

  function refreshTimes() {
    var now = Date.now();
    document.querySelectorAll("time[data-relative]").forEach(function (el) {
      if (!el.dataset.absolute) el.dataset.absolute = el.textContent;
      var words = relativeTime(Date.parse(el.getAttribute("datetime")), now);
      el.textContent = words || el.dataset.absolute;
      el.title = el.dataset.absolute;
    });
  }

  function enableCopyLinks() {
    document.querySelectorAll("button[data-copy]").forEach(function (button) {
      if (!navigator.clipboard) return;
      button.hidden = false;
      button.addEventListener("click", function () {
        navigator.clipboard.writeText(button.dataset.copy).then(function () {
          button.textContent = "Link copied";
        });
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    refreshTimes();
    enableCopyLinks();
    setInterval(refreshTimes, MINUTE);
  });
})();
