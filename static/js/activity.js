// The dashboard's "recent activity" panel: fetch the latest audit entries every
// few seconds and redraw the list. Text goes in with textContent, never as HTML.
(function () {
  "use strict";

  // The same line as the page draws (templates/macros/audit.html: activity_line).
  function line(entry) {
    var item = document.createElement("li");
    var when = document.createElement("time");
    when.dateTime = entry.at;
    when.textContent = entry.shownAt;
    var actor = document.createElement("strong");
    actor.textContent = entry.actorName;
    actor.title = entry.actor.name;
    var action = document.createElement("span");
    action.className = "badge badge-action";
    action.textContent = entry.action.replace(/_/g, " ");
    var label = document.createElement("span");
    label.className = "activity-label";
    label.append(entry.collection + " ");
    if (entry.historyUrl) {
      var link = document.createElement("a");
      link.href = entry.historyUrl;
      link.title = "History of this " + entry.collection;
      link.textContent = entry.label || "…" + entry.documentId.slice(-8);
      label.append(link);
    } else {
      label.append(entry.label);
    }
    item.append(when, " ", actor, " ", action, " ", label);
    return item;
  }

  // Now, as the entries show their times: UTC, 24 hours.
  function utcNow() {
    return new Date().toISOString().slice(11, 19) + " UTC";
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
          status.firstChild.textContent = "Updated at " + utcNow() + ". ";
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
