// Web chat of the Red Cross assistant: plain JavaScript, a few kilobytes, works on a cheap phone.
(function () {
  "use strict";
  var root = document.getElementById("webchat");
  if (!root) return;
  var url = root.dataset.url;
  var log = document.getElementById("chat-log");
  var form = document.getElementById("chat-form");
  var input = document.getElementById("chat-text");
  var country = document.getElementById("chat-country");
  var last = "";
  var seen = {};

  function csrf() {
    var m = document.cookie.match(/(?:^|; )csrftoken=([^;]+)/);
    return m ? decodeURIComponent(m[1]) : "";
  }

  function bubble(msg) {
    if (msg.id && seen[msg.id]) return;
    if (msg.id) seen[msg.id] = true;
    if (msg.at && msg.at > last) last = msg.at;
    var li = document.createElement("li");
    li.className = msg.from || "bot";
    if (msg.location) {
      var a = document.createElement("a");
      a.href = "https://www.openstreetmap.org/?mlat=" + msg.location.latitude + "&mlon=" + msg.location.longitude + "#map=16/" + msg.location.latitude + "/" + msg.location.longitude;
      a.textContent = "📍 " + msg.location.name + (msg.location.address ? " — " + msg.location.address : "");
      a.rel = "noopener";
      a.target = "_blank";
      li.appendChild(a);
    } else {
      li.textContent = msg.text || "";
    }
    var choices = (msg.buttons || []).concat(msg.rows || []);
    if (choices.length) {
      var box = document.createElement("div");
      box.className = "choices";
      choices.forEach(function (c) {
        var b = document.createElement("button");
        b.type = "button";
        b.textContent = c.title;
        b.dataset.id = c.id;
        b.addEventListener("click", function () { send("", c.id, c.title); });
        box.appendChild(b);
      });
      li.appendChild(box);
    }
    log.appendChild(li);
    li.scrollIntoView({block: "end"});
  }

  function send(text, button, title) {
    bubble({from: "me", text: text || title});
    var xhr = new XMLHttpRequest();
    xhr.open("POST", url);
    xhr.setRequestHeader("Content-Type", "application/json");
    xhr.setRequestHeader("X-CSRFToken", csrf());
    xhr.onload = function () {
      if (xhr.status !== 200) return fail();
      JSON.parse(xhr.responseText).messages.forEach(bubble);
    };
    xhr.onerror = fail;
    xhr.send(JSON.stringify({text: text, button: button || "", title: title || "", country: country.value}));
  }

  function fail() {
    var li = document.createElement("li");
    li.className = "bot error";
    li.textContent = root.dataset.error;
    log.appendChild(li);
  }

  function poll() {
    var xhr = new XMLHttpRequest();
    xhr.open("GET", url + "?after=" + encodeURIComponent(last));
    xhr.onload = function () {
      if (xhr.status === 200) JSON.parse(xhr.responseText).messages.forEach(bubble);
    };
    xhr.send();
  }

  form.addEventListener("submit", function (e) {
    e.preventDefault();
    var text = input.value.trim();
    if (!text) return;
    input.value = "";
    send(text);
  });
  setInterval(poll, 8000);
})();
