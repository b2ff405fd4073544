/* The website widget of the online-safety assistant.
 *
 * Served inside a bundle (bot/channels/widget_files.py) that defines `io`
 * (the vendored Socket.IO client), `START` (the language menu and the
 * topics for parents and teens, from the domain) and `FONTS` (the vendored
 * Thai and Lao fonts: family, path on the server, Unicode range). Embedded with one tag:
 *   <script src="https://SERVER/webhooks/widget/widget.js" defer></script>
 * Data attributes of that tag: data-server, data-exit-url, data-lang,
 * data-open (see the README, "Website widget").
 *
 * Safety rules kept here:
 * - message text is only ever set with textContent (never parsed as HTML); links
 *   are made for http(s) addresses only and open in a new tab with
 *   rel="noopener noreferrer";
 * - nothing is written to cookies or any other browser storage; the session
 *   id lives in memory, and in local storage only after the person ticks
 *   "remember this chat on this device" (the id alone, removed by quick exit);
 * - quick exit (the button, or Escape twice) disconnects, removes the widget,
 *   forgets the session and replaces the page (location.replace: the page
 *   leaves the back-button history).
 */
(function (io, START, FONTS) {
  "use strict";

  var script = document.currentScript;
  if (!script || document.querySelector("[data-safety-widget]")) {
    return;
  }

  var KEY = "safety-widget-session";
  var SAFE_ID = /^[A-Za-z0-9_.:+-]{1,128}$/;
  var MAX_CHARS = 4000;
  var ESCAPE_TWICE_MS = 1500;
  var ANSWER_WAIT_MS = 60000;
  var DEFAULT_EXIT = "https://www.google.com/";
  var CODES = ["en", "tl", "ms", "vi", "th", "lo"];
  // Bare addresses the assistant writes ("takeitdown.ncmec.org") and full
  // http(s) URLs; an e-mail address is left as text.
  var LINK =
    /\bhttps?:\/\/[^\s<>"']+|\b(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+(?:org|com|net|gov|edu|int|info|ph|my|th|vn|la)\b(?:\/[^\s<>"']*)?/gi;
  var TRAILING = /[.,;:!?)\]}'"»”]+$/;

  // The widget's own interface labels (everything else comes from Rasa or
  // the domain). tl, ms, vi, th, lo: not yet reviewed by native speakers.
  var LABELS = {
    en: {
      title: "Online safety help",
      open: "Get help",
      openLabel: "Open the chat",
      minimise: "Minimise the chat",
      exit: "Quick exit",
      exitHint: "Leave this site now. You can also press Esc twice.",
      language: "Choose your language",
      who: "Who are you?",
      parent: "I'm a parent or carer",
      teen: "I'm a young person",
      log: "Conversation",
      choices: "Choices",
      message: "Your message",
      placeholder: "Write a message",
      send: "Send",
      remember: "Remember this chat on this device",
      you: "You",
      bot: "Assistant",
      staff: "Person from the helpline team",
      typing: "The assistant is writing…",
      connecting: "Connecting…",
      offline: "Can't connect right now. Trying again…",
      failed: "Your message could not be sent. Please try again.",
      slow: "No answer yet. Please try again in a moment.",
      newTab: "(opens in a new tab)",
      back: "Welcome back. Earlier messages are not shown here.",
      unread: "New message",
    },
    tl: {
      title: "Tulong sa kaligtasan online",
      open: "Humingi ng tulong",
      openLabel: "Buksan ang chat",
      minimise: "Paliitin ang chat",
      exit: "Umalis agad",
      exitHint: "Umalis agad sa site na ito. Puwede ring pindutin ang Esc nang dalawang beses.",
      language: "Piliin ang iyong wika",
      who: "Sino ka?",
      parent: "Magulang o tagapag-alaga ako",
      teen: "Kabataan ako",
      log: "Usapan",
      choices: "Mga pagpipilian",
      message: "Ang iyong mensahe",
      placeholder: "Sumulat ng mensahe",
      send: "Ipadala",
      remember: "Tandaan ang chat na ito sa device na ito",
      you: "Ikaw",
      bot: "Assistant",
      staff: "Tao mula sa helpline team",
      typing: "Nagsusulat ang assistant…",
      connecting: "Kumokonekta…",
      offline: "Hindi makakonekta ngayon. Sinusubukan ulit…",
      failed: "Hindi naipadala ang iyong mensahe. Pakisubukan ulit.",
      slow: "Wala pang sagot. Pakisubukan ulit mamaya.",
      newTab: "(magbubukas sa bagong tab)",
      back: "Maligayang pagbabalik. Hindi ipinapakita rito ang mga naunang mensahe.",
      unread: "Bagong mensahe",
    },
    ms: {
      title: "Bantuan keselamatan dalam talian",
      open: "Dapatkan bantuan",
      openLabel: "Buka chat",
      minimise: "Kecilkan chat",
      exit: "Keluar segera",
      exitHint: "Tinggalkan laman ini sekarang. Awak juga boleh tekan Esc dua kali.",
      language: "Pilih bahasa awak",
      who: "Siapakah awak?",
      parent: "Saya ibu bapa atau penjaga",
      teen: "Saya remaja",
      log: "Perbualan",
      choices: "Pilihan",
      message: "Mesej awak",
      placeholder: "Tulis mesej",
      send: "Hantar",
      remember: "Ingat chat ini pada peranti ini",
      you: "Awak",
      bot: "Pembantu automatik",
      staff: "Orang daripada pasukan talian bantuan",
      typing: "Pembantu automatik sedang menulis…",
      connecting: "Menyambung…",
      offline: "Tidak dapat menyambung sekarang. Mencuba lagi…",
      failed: "Mesej awak tidak dapat dihantar. Sila cuba lagi.",
      slow: "Belum ada jawapan. Sila cuba lagi sebentar lagi.",
      newTab: "(dibuka dalam tab baharu)",
      back: "Selamat kembali. Mesej terdahulu tidak ditunjukkan di sini.",
      unread: "Mesej baharu",
    },
    vi: {
      title: "Hỗ trợ an toàn trên mạng",
      open: "Nhận hỗ trợ",
      openLabel: "Mở cuộc trò chuyện",
      minimise: "Thu nhỏ cuộc trò chuyện",
      exit: "Thoát nhanh",
      exitHint: "Rời trang này ngay. Bạn cũng có thể nhấn Esc hai lần.",
      language: "Chọn ngôn ngữ của bạn",
      who: "Bạn là ai?",
      parent: "Tôi là cha mẹ hoặc người chăm sóc",
      teen: "Mình là bạn trẻ",
      log: "Cuộc trò chuyện",
      choices: "Lựa chọn",
      message: "Tin nhắn của bạn",
      placeholder: "Viết tin nhắn",
      send: "Gửi",
      remember: "Ghi nhớ cuộc trò chuyện này trên thiết bị này",
      you: "Bạn",
      bot: "Trợ lý tự động",
      staff: "Người của nhóm đường dây hỗ trợ",
      typing: "Trợ lý tự động đang viết…",
      connecting: "Đang kết nối…",
      offline: "Hiện không kết nối được. Đang thử lại…",
      failed: "Không gửi được tin nhắn của bạn. Vui lòng thử lại.",
      slow: "Chưa có câu trả lời. Vui lòng thử lại sau giây lát.",
      newTab: "(mở trong thẻ mới)",
      back: "Chào mừng bạn quay lại. Tin nhắn trước đây không hiển thị ở đây.",
      unread: "Tin nhắn mới",
    },
    th: {
      title: "ความช่วยเหลือเรื่องความปลอดภัยออนไลน์",
      open: "ขอความช่วยเหลือ",
      openLabel: "เปิดแชท",
      minimise: "ย่อแชท",
      exit: "ออกทันที",
      exitHint: "ออกจากเว็บไซต์นี้ทันที หรือกด Esc สองครั้ง",
      language: "เลือกภาษาของคุณ",
      who: "คุณคือใคร?",
      parent: "ฉันเป็นพ่อแม่หรือผู้ปกครอง",
      teen: "ฉันเป็นวัยรุ่น",
      log: "บทสนทนา",
      choices: "ตัวเลือก",
      message: "ข้อความของคุณ",
      placeholder: "พิมพ์ข้อความ",
      send: "ส่ง",
      remember: "จำแชทนี้ไว้ในอุปกรณ์นี้",
      you: "คุณ",
      bot: "ผู้ช่วยอัตโนมัติ",
      staff: "เจ้าหน้าที่จากทีมสายด่วน",
      typing: "ผู้ช่วยอัตโนมัติกำลังพิมพ์…",
      connecting: "กำลังเชื่อมต่อ…",
      offline: "เชื่อมต่อไม่ได้ในขณะนี้ กำลังลองอีกครั้ง…",
      failed: "ส่งข้อความไม่สำเร็จ โปรดลองอีกครั้ง",
      slow: "ยังไม่มีคำตอบ โปรดลองอีกครั้งในอีกสักครู่",
      newTab: "(เปิดในแท็บใหม่)",
      back: "ยินดีต้อนรับกลับมา ข้อความก่อนหน้านี้จะไม่แสดงที่นี่",
      unread: "ข้อความใหม่",
    },
    lo: {
      title: "ການຊ່ວຍເຫຼືອດ້ານຄວາມປອດໄພອອນລາຍ",
      open: "ຂໍຄວາມຊ່ວຍເຫຼືອ",
      openLabel: "ເປີດແຊັດ",
      minimise: "ຫຍໍ້ແຊັດ",
      exit: "ອອກທັນທີ",
      exitHint: "ອອກຈາກເວັບໄຊນີ້ທັນທີ ຫຼື ກົດ Esc ສອງເທື່ອ",
      language: "ເລືອກພາສາຂອງເຈົ້າ",
      who: "ເຈົ້າແມ່ນໃຜ?",
      parent: "ຂ້ອຍເປັນພໍ່ແມ່ ຫຼື ຜູ້ປົກຄອງ",
      teen: "ຂ້ອຍເປັນໄວລຸ້ນ",
      log: "ການສົນທະນາ",
      choices: "ທາງເລືອກ",
      message: "ຂໍ້ຄວາມຂອງເຈົ້າ",
      placeholder: "ຂຽນຂໍ້ຄວາມ",
      send: "ສົ່ງ",
      remember: "ຈື່ແຊັດນີ້ໄວ້ໃນອຸປະກອນນີ້",
      you: "ເຈົ້າ",
      bot: "ຜູ້ຊ່ວຍອັດຕະໂນມັດ",
      staff: "ເຈົ້າໜ້າທີ່ຈາກທີມສາຍດ່ວນ",
      typing: "ຜູ້ຊ່ວຍອັດຕະໂນມັດກຳລັງຂຽນ…",
      connecting: "ກຳລັງເຊື່ອມຕໍ່…",
      offline: "ເຊື່ອມຕໍ່ບໍ່ໄດ້ໃນຕອນນີ້ ກຳລັງລອງໃໝ່…",
      failed: "ສົ່ງຂໍ້ຄວາມບໍ່ສຳເລັດ ກະລຸນາລອງໃໝ່",
      slow: "ຍັງບໍ່ມີຄຳຕອບ ກະລຸນາລອງໃໝ່ໃນອີກບໍ່ດົນ",
      newTab: "(ເປີດໃນແຖບໃໝ່)",
      back: "ຍິນດີຕ້ອນຮັບກັບມາ ຂໍ້ຄວາມກ່ອນໜ້ານີ້ຈະບໍ່ສະແດງຢູ່ນີ້",
      unread: "ຂໍ້ຄວາມໃໝ່",
    },
  };

  // --- settings from the script tag ---------------------------------------

  function httpUrl(value, base) {
    try {
      var url = new URL(String(value), base);
      return url.protocol === "http:" || url.protocol === "https:" ? url : null;
    } catch (error) {
      return null;
    }
  }

  function firstLanguage(wanted) {
    var candidates = [wanted].concat(Array.prototype.slice.call(navigator.languages || []));
    for (var i = 0; i < candidates.length; i += 1) {
      var code = String(candidates[i] || "").toLowerCase().split("-")[0];
      if (code === "fil") {
        code = "tl";
      }
      if (CODES.indexOf(code) >= 0) {
        return code;
      }
    }
    return "en";
  }

  // An attribute's URL (relative to the page), or null when absent or not
  // http(s): an empty attribute must not mean "this page".
  function attributeUrl(name) {
    var value = (script.getAttribute(name) || "").trim();
    return value ? httpUrl(value, location.href) : null;
  }

  var server = attributeUrl("data-server") || httpUrl(script.src, location.href);
  if (!server) {
    return;
  }
  var origin = server.origin;
  var exitUrl = (attributeUrl("data-exit-url") || { href: DEFAULT_EXIT }).href;

  // The vendored Thai and Lao fonts, from the server (never the page's
  // origin). They go into the page's font set, not the shadow root: Chromium
  // ignores @font-face inside a shadow root. Their family names are the
  // widget's own (widget.css names them first), so the site's text never
  // uses them; each covers only its script (unicode-range), so the browser
  // fetches a file only when Thai or Lao is on screen.
  var faces = [];
  if (typeof FontFace === "function" && document.fonts && document.fonts.add) {
    FONTS.forEach(function (font) {
      var url = new URL(font.path, origin).href;
      var face = new FontFace(font.family, 'url("' + url + '") format("woff2")', {
        unicodeRange: font.range,
        display: "swap",
      });
      document.fonts.add(face);
      faces.push(face);
    });
  }

  var state = {
    lang: firstLanguage(script.getAttribute("data-lang")),
    sessionId: null,
    remember: false,
    pending: 0,
    socket: null,
    exiting: false,
    lastEscape: 0,
    started: false,
  };

  // --- storage: only the session id, only when asked to -------------------

  function storedSession() {
    try {
      var value = window.localStorage.getItem(KEY);
      if (value && SAFE_ID.test(value)) {
        return value;
      }
      if (value) {
        forgetSession();
      }
    } catch (error) {
      // Storage blocked: nothing is remembered.
    }
    return null;
  }

  function storeSession(id) {
    try {
      window.localStorage.setItem(KEY, id);
    } catch (error) {
      // Storage blocked: the chat is simply not remembered.
    }
  }

  function forgetSession() {
    try {
      window.localStorage.removeItem(KEY);
    } catch (error) {
      // Nothing stored.
    }
  }

  // --- building the interface (elements and text nodes only) -------------

  function el(tag, attributes, text) {
    var node = document.createElement(tag);
    Object.keys(attributes || {}).forEach(function (name) {
      node.setAttribute(name, attributes[name]);
    });
    if (text !== undefined) {
      node.textContent = text;
    }
    return node;
  }

  function label(name) {
    return (LABELS[state.lang] || LABELS.en)[name] || LABELS.en[name];
  }

  var host = el("div", { "data-safety-widget": "" });
  host.hidden = true;
  var shadow = host.attachShadow({ mode: "open" });
  var sheet = el("link", {
    rel: "stylesheet",
    href: origin + "/webhooks/widget/widget.css",
  });
  var root = el("div", { class: "widget" });
  var exitButton = el("button", { type: "button", class: "exit" });
  var launcher = el("button", {
    type: "button",
    class: "launcher",
    "aria-expanded": "false",
    "aria-controls": "panel",
  });
  var panel = el("section", { id: "panel", class: "panel", "aria-labelledby": "title" });
  panel.hidden = true;
  var header = el("div", { class: "header" });
  var title = el("h2", { id: "title" });
  var minimise = el("button", { type: "button", class: "minimise" }, "–");
  var log = el("div", {
    class: "log",
    role: "log",
    "aria-live": "polite",
    "aria-relevant": "additions",
    tabindex: "0",
  });
  var typing = el("div", { class: "typing", role: "status" });
  var status = el("div", { class: "status", role: "status" });
  var choices = el("div", { class: "choices", role: "group", "aria-labelledby": "prompt" });
  var prompt = el("p", { id: "prompt", class: "prompt" });
  var buttons = el("div", { class: "buttons" });
  var form = el("form", { class: "composer", novalidate: "" });
  var inputLabel = el("label", { for: "input", class: "sr" });
  var input = el("textarea", {
    id: "input",
    rows: "2",
    maxlength: String(MAX_CHARS),
    autocomplete: "off",
  });
  var send = el("button", { type: "submit", class: "send" });
  var rememberLabel = el("label", { class: "remember" });
  var remember = el("input", { type: "checkbox" });
  var rememberText = el("span");

  header.append(title, minimise);
  choices.append(prompt, buttons);
  form.append(inputLabel, input, send);
  rememberLabel.append(remember, rememberText);
  panel.append(header, log, typing, status, choices, form, rememberLabel);
  root.append(exitButton, launcher, panel);
  shadow.append(sheet, root);

  function applyLabels() {
    root.setAttribute("lang", state.lang);
    title.textContent = label("title");
    exitButton.textContent = label("exit");
    exitButton.setAttribute("title", label("exitHint"));
    // On a phone the header leaves room for quick exit, whose width
    // depends on the language ("Thoát nhanh" is wider than "Quick exit").
    window.requestAnimationFrame(function () {
      if (exitButton.offsetWidth) {
        root.style.setProperty("--exit-room", exitButton.offsetWidth + 16 + "px");
      }
    });
    launcher.textContent = label("open");
    launcher.setAttribute(
      "aria-label",
      label("openLabel") + (launcher.classList.contains("unread") ? " – " + label("unread") : "")
    );
    minimise.setAttribute("aria-label", label("minimise"));
    minimise.setAttribute("title", label("minimise"));
    log.setAttribute("aria-label", label("log"));
    buttons.setAttribute("aria-label", label("choices"));
    inputLabel.textContent = label("message");
    input.setAttribute("placeholder", label("placeholder"));
    send.textContent = label("send");
    rememberText.textContent = label("remember");
    if (!typing.hidden) {
      showTyping(true);
    }
  }

  // --- messages -----------------------------------------------------------

  function appendLinked(parent, text) {
    var at = 0;
    text.replace(LINK, function (match, offset) {
      var found = match.replace(TRAILING, "");
      if (offset > 0 && text.charAt(offset - 1) === "@") {
        return match;
      }
      var url = httpUrl(/^https?:\/\//i.test(found) ? found : "https://" + found);
      if (!url || !found) {
        return match;
      }
      parent.append(document.createTextNode(text.slice(at, offset)));
      var link = el("a", { href: url.href, target: "_blank", rel: "noopener noreferrer" }, found);
      link.append(el("span", { class: "sr" }, " " + label("newTab")));
      parent.append(link);
      at = offset + found.length;
      return match;
    });
    parent.append(document.createTextNode(text.slice(at)));
  }

  function addMessage(from, text) {
    var item = el("div", { class: "message " + from, "data-from": from });
    var who = el("span", { class: from === "staff" ? "who" : "who sr" }, label(from));
    var body = el("p", { class: "text" });
    // Thai and Lao are told apart by their script, so a screen reader reads
    // them right whatever the interface language.
    var written = /[\u0e80-\u0eff]/.test(text) ? "lo" : /[\u0e00-\u0e7f]/.test(text) ? "th" : "";
    if (written && written !== state.lang) {
      body.setAttribute("lang", written);
    }
    body.append(el("span", { class: "sr" }, ": "));
    appendLinked(body, text);
    item.append(who, body);
    log.append(item);
    log.scrollTop = log.scrollHeight;
    if (from !== "you" && panel.hidden) {
      launcher.classList.add("unread");
      applyLabels();
    }
    return item;
  }

  function addNote(name) {
    var item = el("p", { class: "note", "data-note": name }, label(name));
    log.append(item);
    log.scrollTop = log.scrollHeight;
  }

  function showTyping(on) {
    typing.textContent = "";
    typing.hidden = !on;
    if (on) {
      var dots = el("span", { class: "dots", "aria-hidden": "true" });
      dots.append(el("span"), el("span"), el("span"));
      typing.append(dots, el("span", { class: "sr" }, label("typing")));
    }
  }

  function setStatus(name) {
    status.textContent = name ? label(name) : "";
    status.hidden = !name;
  }

  // --- choices: the start menus and the bot's buttons ---------------------

  function showChoices(question, options, onPick, focusFirst) {
    buttons.textContent = "";
    prompt.textContent = question || "";
    prompt.hidden = !question;
    options.forEach(function (option) {
      var button = el("button", { type: "button", class: "choice" }, option.title);
      if (option.lang) {
        button.setAttribute("lang", option.lang);
      }
      if (option.audience) {
        button.setAttribute("data-audience", option.audience);
      }
      button.addEventListener("click", function () {
        onPick(option);
      });
      buttons.append(button);
    });
    choices.hidden = options.length === 0;
    log.scrollTop = log.scrollHeight;
    if (focusFirst && buttons.firstChild) {
      buttons.firstChild.focus();
    }
  }

  function clearChoices() {
    showChoices("", [], null, false);
  }

  function pickReply(option) {
    if (sendMessage(option.payload, option.title)) {
      input.focus();
    }
  }

  function showLanguages() {
    var languages = START.languages.map(function (language) {
      return { title: language.title, lang: language.code, payload: language.payload };
    });
    showChoices(label("language"), languages, chooseLanguage, false);
  }

  function chooseLanguage(option) {
    var previous = state.lang;
    state.lang = option.lang;
    applyLabels();
    if (!sendMessage(option.payload, option.title)) {
      state.lang = previous;
      applyLabels();
      return;
    }
    showChoices(
      label("who"),
      [
        { title: label("parent"), audience: "parents" },
        { title: label("teen"), audience: "teens" },
      ],
      showTopics,
      true
    );
  }

  function showTopics(option) {
    var topics = START.topics[state.lang] || START.topics.en;
    showChoices(topics.text, topics[option.audience] || [], pickReply, true);
  }

  // --- the connection -----------------------------------------------------

  function connect() {
    if (state.socket || state.exiting) {
      return;
    }
    setStatus("connecting");
    var socket = io(origin, {
      path: "/socket.io",
      forceNew: true,
      withCredentials: false,
      reconnectionDelayMax: 10000,
    });
    state.socket = socket;
    socket.on("connect", function () {
      socket.emit("session_request", { session_id: state.sessionId });
    });
    socket.on("session_confirm", function (id) {
      if (typeof id !== "string" || !SAFE_ID.test(id)) {
        return;
      }
      state.sessionId = id;
      host.setAttribute("data-session", "ready");
      if (state.remember) {
        storeSession(id);
      }
      setStatus("");
    });
    socket.on("bot_uttered", receive);
    socket.on("input_error", function () {
      addNote("failed");
    });
    socket.on("connect_error", function () {
      setStatus("offline");
    });
    socket.on("disconnect", function () {
      if (!state.exiting) {
        setStatus("offline");
      }
    });
  }

  function receive(data) {
    if (!data || typeof data !== "object") {
      return;
    }
    var from = data.handoff === "staff" ? "staff" : "bot";
    if (typeof data.text === "string" && data.text) {
      addMessage(from, data.text);
    }
    var offered = Array.isArray(data.quick_replies) ? data.quick_replies : data.buttons;
    if (Array.isArray(offered)) {
      var options = offered.filter(function (button) {
        return (
          button &&
          typeof button.title === "string" &&
          typeof button.payload === "string" &&
          button.payload.length <= MAX_CHARS
        );
      });
      if (options.length) {
        showChoices("", options, pickReply, false);
      }
    }
  }

  function sendMessage(message, shown) {
    var socket = state.socket;
    if (!socket || !socket.connected || !state.sessionId) {
      setStatus(socket && !socket.connected ? "offline" : "connecting");
      connect();
      return false;
    }
    clearChoices();
    addMessage("you", shown);
    state.pending += 1;
    showTyping(true);
    socket
      .timeout(ANSWER_WAIT_MS)
      .emit("user_uttered", { message: message, session_id: state.sessionId }, function (error) {
        state.pending = Math.max(0, state.pending - 1);
        showTyping(state.pending > 0);
        if (error && !state.exiting) {
          addNote("slow");
        }
      });
    return true;
  }

  // --- opening, closing, quick exit ---------------------------------------

  function open(focus) {
    panel.hidden = false;
    launcher.hidden = true;
    launcher.setAttribute("aria-expanded", "true");
    launcher.classList.remove("unread");
    applyLabels();
    connect();
    if (!state.started) {
      state.started = true;
      showLanguages();
    }
    if (focus) {
      var first = buttons.firstChild;
      (first && !choices.hidden ? first : input).focus();
    }
  }

  function close() {
    panel.hidden = true;
    launcher.hidden = false;
    launcher.setAttribute("aria-expanded", "false");
    launcher.focus();
  }

  function quickExit() {
    if (state.exiting) {
      return;
    }
    state.exiting = true;
    document.removeEventListener("keydown", onKey, true);
    if (state.socket) {
      state.socket.off();
      state.socket.disconnect();
      state.socket = null;
    }
    forgetSession();
    state.sessionId = null;
    state.remember = false;
    shadow.textContent = "";
    faces.forEach(function (face) {
      document.fonts.delete(face);
    });
    if (host.parentNode) {
      host.parentNode.removeChild(host);
    }
    // Nothing of the page stays on screen while the neutral site loads.
    document.documentElement.hidden = true;
    window.location.replace(exitUrl);
  }

  function onKey(event) {
    if (event.key !== "Escape" || event.repeat) {
      return;
    }
    var now = Date.now();
    if (now - state.lastEscape <= ESCAPE_TWICE_MS) {
      quickExit();
    } else {
      state.lastEscape = now;
    }
  }

  exitButton.addEventListener("click", quickExit);
  launcher.addEventListener("click", function () {
    open(true);
  });
  minimise.addEventListener("click", close);
  document.addEventListener("keydown", onKey, true);

  function submit() {
    var text = input.value.trim();
    if (text && sendMessage(text, text)) {
      input.value = "";
    }
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    submit();
  });
  input.addEventListener("keydown", function (event) {
    // Enter sends; Shift+Enter is a new line; never while an input method
    // (Thai, Lao, Vietnamese keyboards) is still composing.
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing && event.keyCode !== 229) {
      event.preventDefault();
      submit();
    }
  });
  remember.addEventListener("change", function () {
    state.remember = remember.checked;
    if (!state.remember) {
      forgetSession();
    } else if (state.sessionId) {
      storeSession(state.sessionId);
    }
  });

  // --- start --------------------------------------------------------------

  var saved = storedSession();
  if (saved) {
    state.sessionId = saved;
    state.remember = true;
    remember.checked = true;
    addNote("back");
  }
  showTyping(false);
  setStatus("");
  clearChoices();
  applyLabels();
  function show() {
    host.hidden = false;
  }
  sheet.addEventListener("load", show);
  sheet.addEventListener("error", show);
  (document.body || document.documentElement).append(host);
  if (script.getAttribute("data-open") === "true") {
    open(false);
  }
})(io, START, FONTS);
