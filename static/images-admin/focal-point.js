// Focal point picker on the image library's form: a click on the preview sets
// focal_x / focal_y (0..1 from the left / top); the number fields work without it.
(function () {
  "use strict";

  function clamp(value) {
    return Math.min(1, Math.max(0, value));
  }

  function setup(picker) {
    var inputX = document.getElementById("id_focal_x");
    var inputY = document.getElementById("id_focal_y");
    if (!inputX || !inputY) {
      return;
    }

    function show() {
      picker.style.setProperty("--focal-x", clamp(parseFloat(inputX.value) || 0));
      picker.style.setProperty("--focal-y", clamp(parseFloat(inputY.value) || 0));
    }

    picker.addEventListener("click", function (event) {
      var img = picker.querySelector("img");
      if (!img) {
        return;
      }
      var box = img.getBoundingClientRect();
      inputX.value = clamp((event.clientX - box.left) / box.width).toFixed(3);
      inputY.value = clamp((event.clientY - box.top) / box.height).toFixed(3);
      inputX.dispatchEvent(new Event("change", { bubbles: true }));
      show();
    });
    inputX.addEventListener("input", show);
    inputY.addEventListener("input", show);

    // The add form: preview the chosen file so the point can be set before saving.
    var fileInput = document.getElementById("id_file");
    if (picker.dataset.new && fileInput) {
      if (!picker.querySelector(".focal-marker")) {
        var marker = document.createElement("span");
        marker.className = "focal-marker";
        marker.setAttribute("aria-hidden", "true");
        picker.appendChild(marker);
      }
      fileInput.addEventListener("change", function () {
        var old = picker.querySelector("img");
        if (old) {
          URL.revokeObjectURL(old.src);
          old.remove();
        }
        var file = fileInput.files && fileInput.files[0];
        if (!file) {
          picker.hidden = true;
          return;
        }
        var img = document.createElement("img");
        img.alt = "";
        img.src = URL.createObjectURL(file);
        picker.insertBefore(img, picker.firstChild);
        picker.hidden = false;
      });
    }
    show();
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll(".focal-picker").forEach(setup);
  });
})();
