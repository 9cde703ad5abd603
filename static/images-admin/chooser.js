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

  function wire(widget) {
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
        input.dispatchEvent(new Event("change", { bubbles: true }));
      });
    });
    clear.addEventListener("click", function () {
      input.value = "";
      thumb.hidden = true;
      thumb.removeAttribute("src");
      title.textContent = "No image chosen";
      clear.hidden = true;
      input.dispatchEvent(new Event("change", { bubbles: true }));
    });
  }

  window.ImageLibrary = { choose: choose };
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll(".image-chooser").forEach(wire);
  });
})();
