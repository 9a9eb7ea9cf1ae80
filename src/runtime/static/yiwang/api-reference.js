// Starts Swagger UI on /schema from a data- attribute: no inline script, nothing fetched
// from outside this origin (the online validator is off).
(function () {
  "use strict";
  var root = document.getElementById("api-reference");
  window.ui = SwaggerUIBundle({
    url: root.getAttribute("data-spec-url"),
    domNode: root,
    deepLinking: true,
    validatorUrl: null,
    presets: [SwaggerUIBundle.presets.apis],
    layout: "BaseLayout",
  });
})();
