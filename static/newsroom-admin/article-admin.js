/* Article change form: length counters, soft lock heartbeat, autosave and draft
   restore, tag suggestions, preview link copy, "Insert from library". Works without
   a build step. */
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
          status("Someone saved this article after you opened it. Your work is autosaved; " +
                 "when you save, their changes and yours are shown field by field to merge.", true);
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
    var mergeLink = box.querySelector(".article-draft__merge");
    if (draft.mergeUrl && mergeLink) {
      // Begun from an older version: restoring it as it is would undo what others saved since.
      box.querySelector(".article-draft__text").textContent =
        "You have unsaved work on this article (autosaved at " + draft.savedAt + "), begun from " +
        "version " + draft.baseVersion + "; version " + draft.currentVersion + " was saved since. " +
        "Compare the two field by field and merge them:";
      mergeLink.href = draft.mergeUrl;
      mergeLink.hidden = false;
      box.querySelector(".article-draft__restore").hidden = true;
    }
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

  // -- insert from the image library ------------------------------------------
  // A library image is recognised in the body by its file URL (the chooser's "url"),
  // so only src, alt and the caption are inserted: CKEditor keeps nothing else.
  function figureHtml(image) {
    var figure = document.createElement("figure");
    figure.className = "image";
    var img = document.createElement("img");
    img.setAttribute("src", image.url);
    img.setAttribute("alt", image.alt_text || "");
    figure.appendChild(img);
    var caption = [image.caption, image.credit].filter(Boolean).join(" — ");
    if (caption) {
      var figcaption = document.createElement("figcaption");
      figcaption.textContent = caption;
      figure.appendChild(figcaption);
    }
    return figure.outerHTML;
  }

  function insertIntoBody(image) {
    var editor = bodyEditor();
    var html = figureHtml(image);
    if (!editor) {
      var textarea = field("body");
      if (textarea) { textarea.value += html; }
      return;
    }
    var fragment = editor.data.toModel(editor.data.processor.toView(html));
    editor.model.insertContent(fragment);
    editor.editing.view.focus();
  }

  function buildChooser() {
    var dialog = document.createElement("dialog");
    dialog.className = "library-dialog";
    dialog.setAttribute("aria-labelledby", "library-dialog-title");
    dialog.innerHTML =
      '<form method="dialog" class="library-dialog__bar">' +
      '<h2 id="library-dialog-title">Insert an image from the library</h2>' +
      '<input type="search" class="library-dialog__search" placeholder="Search title, alt text, caption, credit, tags" aria-label="Search the library">' +
      '<button type="submit" class="button library-dialog__close" value="close">Close</button></form>' +
      '<p class="library-dialog__status" role="status"></p>' +
      '<ul class="library-dialog__grid"></ul>' +
      '<button type="button" class="button library-dialog__more" hidden>More images</button>';
    document.body.appendChild(dialog);
    return dialog;
  }

  function setUpLibraryChooser(config) {
    var url = config.imageChooserUrl;
    var bodyRow = document.querySelector(".field-body");
    if (!url || !bodyRow || typeof HTMLDialogElement === "undefined") { return; }
    var button = document.createElement("button");
    button.type = "button";
    button.className = "button article-insert-image";
    button.textContent = "Insert from library";
    var anchor = bodyRow.querySelector(".ck-editor") || bodyRow.querySelector("textarea");
    (anchor ? anchor.parentNode : bodyRow).insertBefore(button, anchor);
    var dialog = null, search, grid, status, more, page = 1, timer = null, term = "";

    function show(results, append) {
      if (!append) { grid.innerHTML = ""; }
      results.forEach(function (image) {
        var item = document.createElement("li");
        var choose = document.createElement("button");
        choose.type = "button";
        choose.className = "library-dialog__choice";
        choose.title = image.title;
        var thumb = document.createElement("img");
        thumb.src = image.thumb;
        thumb.alt = "";
        thumb.loading = "lazy";
        var label = document.createElement("span");
        label.textContent = image.title;
        choose.appendChild(thumb);
        choose.appendChild(label);
        if (!image.alt_text) {
          var warn = document.createElement("strong");
          warn.className = "library-dialog__no-alt";
          warn.textContent = "No alt text: add it before publishing";
          choose.appendChild(warn);
        }
        choose.addEventListener("click", function () {
          insertIntoBody(image);
          dialog.close();
        });
        item.appendChild(choose);
        grid.appendChild(item);
      });
    }

    function load(append) {
      var query = "?q=" + encodeURIComponent(term) + "&page=" + page;
      status.textContent = "Loading…";
      fetch(url + query, {credentials: "same-origin", headers: {"Accept": "application/json"}})
        .then(function (response) {
          return response.json().then(function (json) {
            if (!response.ok) { throw new Error((json.error && json.error.message) || response.statusText); }
            return json;
          });
        })
        .then(function (json) {
          show(json.results, append);
          status.textContent = json.count ? json.count + " image" + (json.count === 1 ? "" : "s") :
            (term ? "No image matches “" + term + "”." : "The library is empty: upload an image first.");
          more.hidden = !json.has_next;
        })
        .catch(function (error) { status.textContent = "The library could not be loaded: " + error.message; });
    }

    button.addEventListener("click", function () {
      if (!dialog) {
        dialog = buildChooser();
        search = dialog.querySelector(".library-dialog__search");
        grid = dialog.querySelector(".library-dialog__grid");
        status = dialog.querySelector(".library-dialog__status");
        more = dialog.querySelector(".library-dialog__more");
        search.addEventListener("input", function () {
          window.clearTimeout(timer);
          timer = window.setTimeout(function () { term = search.value.trim(); page = 1; load(false); }, 250);
        });
        search.addEventListener("keydown", function (event) {
          if (event.key === "Enter") { event.preventDefault(); }
        });
        more.addEventListener("click", function () { page += 1; load(true); });
      }
      dialog.showModal();
      search.focus();
      page = 1;
      load(false);
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
    setUpLibraryChooser(config);
    // The editor is created after DOMContentLoaded; give it a moment before comparing.
    window.setTimeout(function () {
      setUpDraftRestore(config);
      setUpAutosave(config);
    }, 800);
  });
})();
