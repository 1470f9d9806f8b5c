// An optional signature pad: drawing fills the hidden signature_image field. Typing the name
// is the equal alternative (keyboard and screen-reader users), so nothing here is required.
(function () {
  "use strict";
  function init() {
    var canvas = document.getElementById("signature-pad");
    var field = document.getElementById("id_signature_image");
    var clear = document.getElementById("signature-clear");
    if (!canvas || !field) return;
    var ctx = canvas.getContext("2d");
    var drawing = false;
    ctx.lineWidth = 2;
    ctx.lineCap = "round";
    function point(e) {
      var r = canvas.getBoundingClientRect();
      return [(e.clientX - r.left) * (canvas.width / r.width), (e.clientY - r.top) * (canvas.height / r.height)];
    }
    canvas.addEventListener("pointerdown", function (e) {
      drawing = true;
      var p = point(e);
      ctx.beginPath();
      ctx.moveTo(p[0], p[1]);
      canvas.setPointerCapture(e.pointerId);
    });
    canvas.addEventListener("pointermove", function (e) {
      if (!drawing) return;
      var p = point(e);
      ctx.lineTo(p[0], p[1]);
      ctx.stroke();
    });
    function done() {
      if (!drawing) return;
      drawing = false;
      field.value = canvas.toDataURL("image/png");
    }
    canvas.addEventListener("pointerup", done);
    canvas.addEventListener("pointerleave", done);
    if (clear) {
      clear.addEventListener("click", function () {
        ctx.clearRect(0, 0, canvas.width, canvas.height);
        field.value = "";
      });
    }
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
