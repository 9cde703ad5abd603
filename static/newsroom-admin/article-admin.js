/* Article change form: length counters, soft lock heartbeat, autosave and draft
   restore, tag suggestions, preview link copy. Works without a build step. */
(function () {
  "use strict";

  function csrfToken() {
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function post(url, data) {
    var body = new FormData();
    Object.keys(data || {}).forEach(function (key) { body.append(key, data[key]); });
    return fetch(url, {
      method: "POST", body: body, credentials: "same-origin",
      headers: {"X-CSRFToken": csrfToken(), "Accept": "application/json"}
    }).then(function (response) {
      return response.json().then(function (json) {
        if (!response.ok) { throw new Error((json.error && json.error.message) || response.statusText); }
        return json;
      });
    });
  }

  function bodyEditor() {
    return window.editors && window.editors["id_body"];
  }

  function field(name) { return document.getElementById("id_" + name); }

  function currentContent() {
    var editor = bodyEditor();
    return {
      title: field("title") ? field("title").value : "",
      dek: field("dek") ? field("dek").value : "",
      body: editor ? editor.getData() : (field("body") ? field("body").value : ""),
      base_version: field("base_version") ? field("base_version").value : ""
    };
  }

  // -- length counters ------------------------------------------------------
  function setUpCounters() {
    document.querySelectorAll("[data-recommended-length]").forEach(function (input) {
      var recommended = parseInt(input.getAttribute("data-recommended-length"), 10);
      var counter = document.createElement("span");
      counter.className = "article-counter";
      counter.setAttribute("aria-live", "polite");
      input.insertAdjacentElement("afterend", counter);
      function update() {
        var length = Array.from(input.value).length;
        counter.textContent = length + " / " + recommended + " characters recommended";
        counter.classList.toggle("article-counter--over", length > recommended);
      }
      input.addEventListener("input", update);
      update();
    });
  }

  // -- soft lock ----------------------------------------------------------------
  function showLock(config, lock) {
    var box = document.getElementById("article-lock");
    if (!box) { return; }
    if (!lock || lock.mine) { box.hidden = true; return; }
    box.hidden = false;
    box.querySelector(".article-lock__text").textContent =
      lock.holder + " has had this article open since " + lock.since +
      ". Your save will be refused if theirs comes first.";
    box.querySelector(".article-lock__take").hidden = !lock.canTakeOver;
  }

  function setUpLock(config) {
    if (!config.lockUrl) { return; }
    showLock(config, config.lock);
    var take = document.querySelector(".article-lock__take");
    if (take) {
      take.addEventListener("click", function () {
        post(config.lockTakeUrl, {}).then(function (json) { showLock(config, json.lock); })
          .catch(function (error) { window.alert(error.message); });
      });
    }
    function beat() {
      post(config.lockUrl, {}).then(function (json) {
        showLock(config, json.lock);
        var version = field("base_version");
        if (version && json.version && String(json.version) !== version.value) {
          status("Someone saved this article after you opened it: saving will be refused. " +
                 "Your work is autosaved; reload to see their changes.", true);
        }
      }).catch(function () {});
    }
    window.setInterval(beat, Math.max(5, config.heartbeatInterval || 30) * 1000);
    window.addEventListener("pagehide", function () {
      var data = new FormData();
      data.append("csrfmiddlewaretoken", csrfToken());
      if (navigator.sendBeacon) { navigator.sendBeacon(config.lockReleaseUrl, data); }
    });
  }

  // -- autosave -----------------------------------------------------------------
  function status(text, warn) {
    var line = document.getElementById("article-autosave-status");
    if (line) {
      line.textContent = text;
      line.classList.toggle("article-autosave-status--warn", !!warn);
    }
  }

  function setUpAutosave(config) {
    var last = JSON.stringify(currentContent());
    var submitting = false;
    var form = document.getElementById("article_form");
    if (form) { form.addEventListener("submit", function () { submitting = true; }); }
    window.setInterval(function () {
      if (submitting) { return; }
      var content = currentContent();
      var snapshot = JSON.stringify(content);
      if (snapshot === last) { return; }
      last = snapshot;
      post(config.autosaveUrl, content).then(function (json) {
        status("Draft autosaved at " + json.savedAt + " (not yet saved to the article).");
        if (json.lock) { showLock(config, json.lock); }
      }).catch(function (error) { status("Autosave failed: " + error.message, true); });
    }, Math.max(2, config.autosaveInterval || 10) * 1000);
  }

  function setUpDraftRestore(config) {
    var draft = config.draft;
    var box = document.getElementById("article-draft");
    if (!draft || !box) { return; }
    var now = currentContent();
    if (draft.title === now.title && draft.dek === now.dek && draft.body.trim() === now.body.trim()) {
      return;
    }
    box.hidden = false;
    box.querySelector(".article-draft__text").textContent =
      "You have unsaved work on this article, autosaved at " + draft.savedAt + ".";
    box.querySelector(".article-draft__restore").addEventListener("click", function () {
      if (field("title")) { field("title").value = draft.title; field("title").dispatchEvent(new Event("input")); }
      if (field("dek")) { field("dek").value = draft.dek; field("dek").dispatchEvent(new Event("input")); }
      var editor = bodyEditor();
      if (editor) { editor.setData(draft.body); } else if (field("body")) { field("body").value = draft.body; }
      box.hidden = true;
      status("Your autosaved draft is restored: save to keep it.");
    });
    box.querySelector(".article-draft__discard").addEventListener("click", function () {
      post(config.autosaveUrl, {discard: "1"}).then(function () { box.hidden = true; });
    });
  }

  // -- tag suggestions ----------------------------------------------------------
  function setUpTags(config) {
    var input = field("tags");
    if (!input || !config.tagSuggestUrl) { return; }
    var list = document.createElement("datalist");
    list.id = "article-tag-suggestions";
    input.setAttribute("list", list.id);
    input.setAttribute("autocomplete", "off");
    input.insertAdjacentElement("afterend", list);
    var timer = null;
    input.addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(function () {
        var parts = input.value.split(",");
        var term = parts.pop().trim();
        if (term.length < 1) { return; }
        var prefix = parts.map(function (p) { return p.trim(); }).filter(Boolean).join(", ");
        fetch(config.tagSuggestUrl + "?q=" + encodeURIComponent(term), {credentials: "same-origin"})
          .then(function (r) { return r.json(); })
          .then(function (json) {
            list.innerHTML = "";
            json.results.forEach(function (name) {
              var option = document.createElement("option");
              option.value = (prefix ? prefix + ", " : "") + (name.indexOf(",") >= 0 || name.indexOf(" ") >= 0 ? '"' + name + '"' : name);
              list.appendChild(option);
            });
          }).catch(function () {});
      }, 200);
    });
  }

  function setUpPreviewCopy() {
    var button = document.querySelector(".article-preview-copy");
    var input = document.querySelector(".article-preview-link");
    if (!button || !input) { return; }
    button.addEventListener("click", function () {
      input.select();
      if (navigator.clipboard) { navigator.clipboard.writeText(input.value).catch(function () {}); }
      else { document.execCommand("copy"); }
      button.textContent = "Copied";
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    setUpCounters();
    var script = document.getElementById("article-editor-config");
    if (!script) { return; }
    var config = JSON.parse(script.textContent);
    setUpLock(config);
    setUpTags(config);
    setUpPreviewCopy();
    // The editor is created after DOMContentLoaded; give it a moment before comparing.
    window.setTimeout(function () {
      setUpDraftRestore(config);
      setUpAutosave(config);
    }, 800);
  });
})();
