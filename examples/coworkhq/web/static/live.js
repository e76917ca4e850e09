// Adds each badge event CoWork HQ hears about to the top of the table.
(function () {
  var body = document.querySelector("#events tbody");
  var status = document.getElementById("live-status");
  if (!body || !window.EventSource) return;
  var es = new EventSource("/api/live/stream");
  es.onopen = function () { status.textContent = "Listening for badge events."; };
  es.onerror = function () { status.textContent = "Reconnecting…"; };
  es.addEventListener("badge", function (msg) {
    var e = JSON.parse(msg.data);
    if (body.querySelector('tr[data-id="' + e.id + '"]')) return;
    var tr = document.createElement("tr");
    tr.dataset.id = e.id;
    tr.className = (e.admitted ? "admit" : e.rejected ? "reject" : "") + " new";
    [new Date(e.at).toLocaleString(), e.label, e.door, e.person, e.via].forEach(function (text) {
      var td = document.createElement("td");
      td.textContent = text || "";
      tr.appendChild(td);
    });
    body.insertBefore(tr, body.firstChild);
  });
})();
