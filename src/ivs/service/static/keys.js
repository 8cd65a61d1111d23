// Keyboard shortcuts on the case page: "a" approves, "r" refuses; either then moves the focus
// to the reason, which every decision needs. Typing in a field is never intercepted.
document.addEventListener("keydown", function (event) {
  var target = event.target;
  if (event.ctrlKey || event.metaKey || event.altKey) return;
  if (target && (target.tagName === "INPUT" || target.tagName === "TEXTAREA" || target.isContentEditable)) return;
  var choice = { a: "approve", r: "refuse" }[event.key];
  if (!choice) return;
  var radio = document.getElementById(choice);
  var reason = document.getElementById("reason");
  if (!radio || !reason) return;
  event.preventDefault();
  radio.checked = true;
  reason.focus();
});
