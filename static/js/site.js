/* A few lines that improve a page already complete without them. */
(function () {
  "use strict";

  var MINUTE = 60e3, HOUR = 60 * MINUTE, DAY = 24 * HOUR;

  // "12 hours ago", "2 days ago" in the page's language (<html lang>), worded by the
  // browser (Intl.RelativeTimeFormat: "12 ժամ առաջ" on an Armenian page); null past
  // a week, or without Intl (the printed date stays). Under a minute: the page's own
  // words (<html data-just-now>), else the browser's "now".
  function relativeTime(then, now, lang) {
    var diff = now - then;
    if (isNaN(diff) || diff < -MINUTE || diff >= 7 * DAY) return null;
    if (!window.Intl || !Intl.RelativeTimeFormat) return null;
    var root = document.documentElement;
    lang = lang || root.lang || undefined;
    var format;
    try {
      format = new Intl.RelativeTimeFormat(lang, { numeric: "always" });
    } catch (error) {
      return null;  // a language tag the browser refuses
    }
    if (diff < MINUTE) {
      return root.getAttribute("data-just-now") ||
        new Intl.RelativeTimeFormat(lang, { numeric: "auto" }).format(0, "second");
    }
    if (diff < HOUR) return format.format(-Math.floor(diff / MINUTE), "minute");
    if (diff < DAY) return format.format(-Math.floor(diff / HOUR), "hour");
    return format.format(-Math.floor(diff / DAY), "day");
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

/* "Most read": count this read once per page load, and drop the story being read
   from the shared block (it carries one spare for that). No cookie, no third party. */
(function () {
  "use strict";

  function sendRead(article) {
    var url = article.getAttribute("data-read-beacon");
    if (!url || !navigator.sendBeacon || window.newsroomReadSent) return;
    window.newsroomReadSent = true;
    var body = new URLSearchParams();
    body.set("id", article.getAttribute("data-story"));
    navigator.sendBeacon(url, body);
  }

  function trimMostRead(currentId) {
    document.querySelectorAll("[data-most-read]").forEach(function (block) {
      var items = block.querySelectorAll("li[data-story]");
      var dropped = false;
      items.forEach(function (item) {
        if (currentId && item.getAttribute("data-story") === currentId) {
          item.remove();
          dropped = true;
        }
      });
      if (dropped) {
        block.querySelectorAll("li[data-story][hidden]").forEach(function (item) {
          item.hidden = false;
        });
      }
    });
  }

  // The block is fetched, not part of the page: a page kept long by a CDN still shows
  // a fresh list, and the fragment is cached on its own (caching.blocks).
  function loadMostRead(currentId) {
    document.querySelectorAll(".most-read-slot[data-fragment]").forEach(function (slot) {
      if (!window.fetch) return;
      fetch(slot.getAttribute("data-fragment"), { credentials: "omit" })
        .then(function (response) { return response.ok ? response.text() : ""; })
        .then(function (html) {
          slot.innerHTML = html;
          trimMostRead(currentId);
        })
        .catch(function () {});
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var article = document.querySelector("article[data-story]");
    var currentId = article ? article.getAttribute("data-story") : null;
    trimMostRead(currentId);
    loadMostRead(currentId);
    if (article) sendRead(article);
  });
})();
