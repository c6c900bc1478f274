// "Copy draft": the only script on the pages; without it the draft is selectable text.
(function () {
  var button = document.getElementById("copy");
  var draft = document.getElementById("draft");
  if (!button || !draft || !navigator.clipboard) { return; }
  button.hidden = false;
  button.addEventListener("click", function () {
    navigator.clipboard.writeText(draft.value).then(function () { button.textContent = "Copied"; });
  });
}());
