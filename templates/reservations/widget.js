{% autoescape off %}(function () {
  "use strict";
  var script = document.currentScript;
  var frame = document.createElement("iframe");
  var source = new URL("{{ widget_url|escapejs }}");
  frame.src = source.href;
  frame.title = "{{ request.tenant.name|escapejs }}";
  frame.loading = "lazy";
  // Opaque and light whatever the host page's theme: the form inside has its own look.
  frame.style.cssText = "width:100%;max-width:42rem;min-height:640px;border:0;display:block;" +
    "background:#fbf8f3;color-scheme:light;border-radius:.5rem";
  script.parentNode.insertBefore(frame, script.nextSibling);
  window.addEventListener("message", function (event) {
    if (event.origin === source.origin && event.data && event.data.comensalHeight) {
      frame.style.height = event.data.comensalHeight + "px";
    }
  });
})();
{% endautoescape %}
