// A translation's source panel (templates/admin/articles/article/includes/translation_source.html)
// starts folded on narrow screens, where it would stand above the editor.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  const panel = document.getElementById("translation-source");
  if (panel && window.matchMedia("(max-width: 1024px)").matches) {
    panel.open = false;
  }
});
