// Shows upload progress; the form still works without it.
(function () {
  var form = document.querySelector("form.upload");
  if (!form || !window.XMLHttpRequest) { return; }
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var bar = document.getElementById("progress");
    var request = new XMLHttpRequest();
    request.open("POST", form.action);
    request.upload.onprogress = function (e) { if (e.lengthComputable) { bar.hidden = false; bar.value = 100 * e.loaded / e.total; } };
    request.onload = function () { document.open(); document.write(request.responseText); document.close(); };
    request.send(new FormData(form));
  });
})();
