/* A few lines that improve a page already complete without them. */
(function () {
  "use strict";

  var MINUTE = 60e3, HOUR = 60 * MINUTE, DAY = 24 * HOUR;

  // The words of languages whose data a browser may lack (Chromium ships no Armenian
  // in its Intl data and answers in English): CLDR's patterns, one form per unit
  // (Armenian puts the singular after a number).
  var WORDS = {
    hy: { minute: "{n} րոպե առաջ", hour: "{n} ժամ առաջ", day: "{n} օր առաջ" }
  };

  function wording(lang) {
    var base = (lang || "").toLowerCase().split("-")[0];
    var supported = window.Intl && Intl.RelativeTimeFormat &&
      Intl.RelativeTimeFormat.supportedLocalesOf([lang]).length > 0;
    if (!supported && WORDS[base]) {
      var words = WORDS[base];
      return function (n, unit) { return words[unit].replace("{n}", n); };
    }
    if (!window.Intl || !Intl.RelativeTimeFormat) return null;
    try {
      var format = new Intl.RelativeTimeFormat(lang, { numeric: "always" });
      return function (n, unit) { return format.format(-n, unit); };
    } catch (error) {
      return null;  // a language tag the browser refuses
    }
  }

  // "12 hours ago", "2 days ago" in the page's language (<html lang>), worded by the
  // browser (Intl.RelativeTimeFormat) or WORDS; null past a week, or when neither
  // knows the language (the printed date stays). Under a minute: the page's own
  // words (<html data-just-now>).
  function relativeTime(then, now, lang) {
    var diff = now - then;
    if (isNaN(diff) || diff < -MINUTE || diff >= 7 * DAY) return null;
    var root = document.documentElement;
    var say = wording(lang || root.lang || "en");
    if (!say) return null;
    if (diff < MINUTE) return root.getAttribute("data-just-now") || null;
    if (diff < HOUR) return say(Math.floor(diff / MINUTE), "minute");
    if (diff < DAY) return say(Math.floor(diff / HOUR), "hour");
    return say(Math.floor(diff / DAY), "day");
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
          button.textContent = button.dataset.copied || "Link copied";
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
