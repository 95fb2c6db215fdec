// The dashboard's "recent activity" panel: fetch the latest audit entries every few
// seconds and add the new ones to the list. The list is a polite live region, so the page
// touches it only when there is something new: a screen reader then reads just the new
// lines, and nothing while nothing happens. Text goes in with textContent, never as HTML.
(function () {
  "use strict";

  // The same line as the page draws (templates/macros/audit.html: activity_line).
  function line(entry) {
    var item = document.createElement("li");
    item.dataset.entry = entry.id;
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

  // The list shows ``entries`` (newest first): lines no longer among them go, new ones are
  // put in above the lines already there. Returns whether anything changed.
  function show(list, entries) {
    var wanted = {};
    entries.forEach(function (entry) { wanted[entry.id] = true; });
    var shown = {};
    var changed = false;
    Array.prototype.slice.call(list.children).forEach(function (item) {
      if (item.dataset.entry && wanted[item.dataset.entry]) {
        shown[item.dataset.entry] = true;
      } else if (!item.dataset.entry && !entries.length) {
        // "Nothing has happened yet." stays while nothing has.
      } else {
        item.remove();
        changed = true;
      }
    });
    var fresh = entries.filter(function (entry) { return !shown[entry.id]; }).map(line);
    if (fresh.length) {
      list.prepend.apply(list, fresh);
      changed = true;
    }
    if (!list.children.length) {
      var empty = document.createElement("li");
      empty.className = "empty";
      empty.textContent = "Nothing has happened yet.";
      list.append(empty);
    }
    return changed;
  }

  function start(panel) {
    var list = panel.querySelector(".activity-list");
    var status = panel.querySelector(".activity-status");
    var seconds = Number(panel.dataset.refreshSeconds) || 5;

    function say(text) {
      if (status.firstChild.textContent !== text) status.firstChild.textContent = text;
    }

    function refresh() {
      if (document.hidden) return;
      fetch(panel.dataset.source, {headers: {Accept: "application/json"}, credentials: "same-origin"})
        .then(function (response) {
          if (!response.ok) throw new Error(response.status);
          return response.json();
        })
        .then(function (body) {
          var stale = panel.classList.contains("activity-stale");
          if (show(list, body.data) || stale) {
            panel.classList.remove("activity-stale");
            say("Updated at " + utcNow() + ". ");
          }
        })
        .catch(function () {
          panel.classList.add("activity-stale");
          say("Could not refresh; trying again. ");
        });
    }

    setInterval(refresh, seconds * 1000);
  }

  document.addEventListener("DOMContentLoaded", function () {
    var panel = document.getElementById("activity");
    if (panel) start(panel);
  });
})();
