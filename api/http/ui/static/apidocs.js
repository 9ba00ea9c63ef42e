// Starts Swagger UI on /openapi.json. Kept out of the page so the CSP needs no inline script;
// validatorUrl null: the spec is never sent to swagger.io.
(function () {
  "use strict";
  var holder = document.getElementById("swagger-ui");
  window.SwaggerUIBundle({
    url: holder.dataset.spec,
    domNode: holder,
    validatorUrl: null,
    deepLinking: true,
    presets: [window.SwaggerUIBundle.presets.apis],
    layout: "BaseLayout"
  });
})();
