// The dashboard's "recent activity" panel: fetch the latest audit entries every
// few seconds and redraw the list. Text goes in with textContent, never as HTML.
(function () {
  "use strict";

  function line(entry) {
    var item = document.createElement("li");
    var when = document.createElement("time");
    when.dateTime = entry.at;
    when.textContent = entry.at.slice(0, 19).replace("T", " ");
    var actor = document.createElement("strong");
    actor.textContent = entry.actor.name;
    var action = document.createElement("span");
    action.className = "badge badge-action";
    action.textContent = entry.action.replace(/_/g, " ");
    var label = document.createElement("span");
    label.className = "activity-label";
    label.textContent = entry.label;
    item.append(when, " ", actor, " ", action, " " + entry.collection + " ", label);
    return item;
  }

  function start(panel) {
    var list = panel.querySelector(".activity-list");
    var status = panel.querySelector(".activity-status");
    var seconds = Number(panel.dataset.refreshSeconds) || 5;

    function refresh() {
      if (document.hidden) return;
      fetch(panel.dataset.source, {headers: {Accept: "application/json"}, credentials: "same-origin"})
        .then(function (response) {
          if (!response.ok) throw new Error(response.status);
          return response.json();
        })
        .then(function (body) {
          var items = body.data.map(line);
          if (!items.length) {
            items = [document.createElement("li")];
            items[0].className = "empty";
            items[0].textContent = "Nothing has happened yet.";
          }
          list.replaceChildren.apply(list, items);
          panel.classList.remove("activity-stale");
          status.firstChild.textContent = "Updated " + new Date().toLocaleTimeString() + ". ";
        })
        .catch(function () {
          panel.classList.add("activity-stale");
          status.firstChild.textContent = "Could not refresh; trying again. ";
        });
    }

    setInterval(refresh, seconds * 1000);
  }

  document.addEventListener("DOMContentLoaded", function () {
    var panel = document.getElementById("activity");
    if (panel) start(panel);
  });
})();
