// Image library chooser: a dialog that searches the library (admin:images_image_chooser)
// and hands the chosen image back.
//
//   ImageLibrary.choose({ url: chooserUrl }).then(function (image) { ... });
//
// `image` is {id, title, alt_text, caption, credit, url, thumb, width, height}, or
// null when the dialog is closed. Elements rendered by images.widgets.ImageChooserWidget
// (.image-chooser) are wired on page load.
(function () {
  "use strict";

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) {
      node.className = className;
    }
    if (text) {
      node.textContent = text;
    }
    return node;
  }

  function choose(options) {
    return new Promise(function (resolve) {
      var dialog = element("dialog", "image-library-dialog");
      var form = element("form", "image-library-search");
      var search = element("input");
      search.type = "search";
      search.placeholder = "Search title, alt text, caption, credit or tag";
      search.setAttribute("aria-label", "Search the image library");
      var close = element("button", "button", "Close");
      close.type = "button";
      form.appendChild(search);
      form.appendChild(close);
      var status = element("p", "image-library-status");
      status.setAttribute("role", "status");
      var grid = element("ul", "image-library-results");
      var more = element("button", "button image-library-more", "More");
      more.type = "button";
      more.hidden = true;
      dialog.appendChild(form);
      dialog.appendChild(status);
      dialog.appendChild(grid);
      dialog.appendChild(more);
      document.body.appendChild(dialog);

      var page = 1;
      var chosen = null;

      function load(reset) {
        if (reset) {
          page = 1;
          grid.textContent = "";
        }
        var query = new URLSearchParams({ q: search.value, page: String(page) });
        status.textContent = "Loading…";
        fetch(options.url + "?" + query.toString(), {
          credentials: "same-origin",
          headers: { Accept: "application/json" },
        })
          .then(function (response) {
            return response.json().then(function (data) {
              if (!response.ok) {
                throw new Error((data.error && data.error.message) || response.statusText);
              }
              return data;
            });
          })
          .then(function (data) {
            data.results.forEach(function (image) {
              var item = element("li");
              var button = element("button", "image-library-item");
              button.type = "button";
              var img = element("img");
              img.src = image.thumb;
              img.alt = "";
              img.loading = "lazy";
              button.appendChild(img);
              button.appendChild(element("span", "image-library-title", image.title));
              if (!image.alt_text) {
                button.appendChild(element("span", "image-library-warning", "No alt text yet"));
              }
              button.addEventListener("click", function () {
                chosen = image;
                dialog.close();
              });
              item.appendChild(button);
              grid.appendChild(item);
            });
            status.textContent = data.count ? data.count + " image(s)" : "No images found.";
            more.hidden = !data.has_next;
          })
          .catch(function (error) {
            status.textContent = error.message;
          });
      }

      form.addEventListener("submit", function (event) {
        event.preventDefault();
        load(true);
      });
      more.addEventListener("click", function () {
        page += 1;
        load(false);
      });
      close.addEventListener("click", function () {
        dialog.close();
      });
      dialog.addEventListener("close", function () {
        dialog.remove();
        resolve(chosen);
      });
      dialog.showModal();
      search.focus();
      load(true);
    });
  }

  // The chosen picture's alt text and credit, completed in place and saved to the
  // library (the server applies the library's rules and says why when it refuses).
  function describe(widget, image) {
    var box = widget.querySelector(".image-chooser-describe");
    if (!box) {
      return;
    }
    box.hidden = !image;
    if (image) {
      box.querySelector(".image-chooser-alt").value = image.alt_text || "";
      box.querySelector(".image-chooser-credit").value = image.credit || "";
      box.querySelector(".image-chooser-status").textContent = image.alt_text
        ? ""
        : "No alt text yet: describe the picture here before publishing.";
    }
  }

  function wireDescription(widget) {
    var box = widget.querySelector(".image-chooser-describe");
    if (!box) {
      return;
    }
    var input = widget.querySelector("input[type=hidden]");
    var status = box.querySelector(".image-chooser-status");
    var title = widget.querySelector(".image-chooser-title");
    box.querySelector(".image-chooser-save").addEventListener("click", function () {
      var body = new FormData();
      body.append("id", input.value);
      body.append("alt_text", box.querySelector(".image-chooser-alt").value);
      body.append("credit", box.querySelector(".image-chooser-credit").value);
      var token = document.querySelector("input[name=csrfmiddlewaretoken]");
      status.textContent = "Saving…";
      fetch(box.dataset.describeUrl, {
        method: "POST",
        body: body,
        credentials: "same-origin",
        headers: { Accept: "application/json", "X-CSRFToken": token ? token.value : "" },
      })
        .then(function (response) {
          return response.json().then(function (data) {
            if (!response.ok) {
              throw new Error((data.error && data.error.message) || response.statusText);
            }
            return data;
          });
        })
        .then(function (data) {
          title.textContent = data.image.title + (data.image.alt_text ? "" : " (no alt text yet)");
          status.textContent = "Saved to the library.";
        })
        .catch(function (error) {
          status.textContent = error.message;
        });
    });
  }

  function wire(widget) {
    wireDescription(widget);
    var input = widget.querySelector("input[type=hidden]");
    var thumb = widget.querySelector(".image-chooser-thumb");
    var title = widget.querySelector(".image-chooser-title");
    var clear = widget.querySelector(".image-chooser-clear");
    widget.querySelector(".image-chooser-open").addEventListener("click", function () {
      choose({ url: widget.dataset.chooserUrl }).then(function (image) {
        if (!image) {
          return;
        }
        input.value = image.id;
        thumb.src = image.thumb;
        thumb.hidden = false;
        title.textContent = image.title + (image.alt_text ? "" : " (no alt text yet)");
        clear.hidden = false;
        describe(widget, image);
        input.dispatchEvent(new Event("change", { bubbles: true }));
      });
    });
    clear.addEventListener("click", function () {
      input.value = "";
      thumb.hidden = true;
      thumb.removeAttribute("src");
      title.textContent = "No image chosen";
      clear.hidden = true;
      describe(widget, null);
      input.dispatchEvent(new Event("change", { bubbles: true }));
    });
  }

  window.ImageLibrary = { choose: choose };
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll(".image-chooser").forEach(wire);
  });
})();
